// Aggregations with a record cache on the memory transport, run by TopologyRunner: updates are held
// back and only each key's latest is written, at the node's commit and never after it, and at the
// end of a bounded input; a full cache writes its oldest key early.
import { afterEach, describe, expect, it } from 'vitest';
import type { Source, SourceReader } from '../dsl/source.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { ConfigError } from '../errors/config-error.js';
import { delay } from '../internal/delay.js';
import { record } from '../records/record.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { avro } from '../serde/avro/schema.js';
import { TopicSerde } from '../serde/topic-serde.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { tumbling } from '../windows/tumbling.js';
import { count } from './count.js';
import type { CacheOptions } from './record-cache.js';
import { windowedBy } from './windowed-by.js';
import { windowedKey } from './windowed-key.js';

/** A bounded source of `[key, timestamp]` inputs. */
function inputs(list: ReadonlyArray<[string, number]>): Source<string, string> {
  return {
    kind: 'inputs',
    bounded: true,
    open: async (): Promise<SourceReader<string, string>> => {
      let i = 0;
      return {
        total: list.length,
        next: async () => {
          const input = list[i++];
          return input ? { record: record({ key: input[0], value: 'x', timestamp: input[1] }) } : null;
        },
        close: async () => undefined,
      };
    },
  };
}

/** 30 inputs over keys a, b, c in turn, timestamps 0..29 (one tumbling window of 1 s). */
const ROUND_ROBIN: Array<[string, number]> = Array.from({ length: 30 }, (_, i) => [['a', 'b', 'c'][i % 3]!, i]);

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function setUp(cache: boolean | CacheOptions | undefined, windowed = false) {
  const feed = topic('rc.inputs', { value: avro.string(), partitions: 1 });
  const out = windowed
    ? topic('rc.window-counts', { key: windowedKey(avro.string()), value: avro.long(), partitions: 1 })
    : topic('rc.counts', { value: avro.long(), partitions: 1 });
  const op = windowed
    ? windowedBy(tumbling('1s')).count({ name: 'counts', key: avro.string(), ...(cache === undefined ? {} : { cache }) })
    : count({ name: 'counts', key: avro.string(), ...(cache === undefined ? {} : { cache }) });
  // Commits only when asked: the test decides when the cache may flush.
  const t = topology('rc')
    .node('feed', (n) => n.source(inputs(ROUND_ROBIN)).to(feed))
    .node('count', (n) => n.from(feed).pipe(op).to(out as never), { commitInterval: '1h' });
  const transport = new MemoryTransport();
  transports.push(transport);
  const registry = new InMemorySchemaRegistry();
  const runner = new TopologyRunner(t, { transport, registry, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
  const written = async (): Promise<Array<[unknown, unknown]>> => {
    const reader = await transport.reader();
    await reader.assign([{ topic: out.name, partition: 0, offset: 0 }]);
    const msgs = await reader.poll(1000, 50);
    await reader.close();
    const serde = new TopicSerde(out as never, registry);
    return Promise.all(msgs.map(async (m) => { const r = await serde.fromMessage(m); return [r.key, r.value] as [unknown, unknown]; }));
  };
  return { runner, written };
}

describe('an aggregation with a record cache', () => {
  it('writes every update without a cache, and only each key\'s latest with one', async () => {
    const plain = setUp(undefined);
    await plain.runner.start();
    await plain.runner.runUntilDrained();
    expect(await plain.written()).toHaveLength(30);

    const cached = setUp(true);
    await cached.runner.start();
    await cached.runner.runUntilDrained();
    expect(await cached.written()).toEqual([['a', 10], ['b', 10], ['c', 10]]);
  });

  it('holds updates back until the node commits, and writes them before the commit lands', async () => {
    const { runner, written } = setUp(true, true);
    await runner.start();
    const node = runner.runners.find((r) => r.node === 'count')!;
    for (let i = 0; i < 400 && (runner.stats().find((s) => s.node === 'count')?.processed ?? 0) < 30; i++) await delay(10);
    expect(runner.stats().find((s) => s.node === 'count')?.processed).toBe(30);
    // Every input processed, nothing written, nothing committed.
    expect(await written()).toEqual([]);
    expect(await runner.lag(node)).toBe(30);

    await node.commitNow();
    const win = (key: string) => ({ key, start: 0, end: 1000 });
    expect(await written()).toEqual([[win('a'), 10], [win('b'), 10], [win('c'), 10]]);
    expect(await runner.lag(node)).toBe(0);
    await runner.stop('test');
  });

  it('writes the oldest key early when the cache is full', async () => {
    const { runner, written } = setUp({ maxEntries: 2 });
    await runner.start();
    await runner.runUntilDrained();
    const out = await written();
    // Round robin over three keys with room for two: each new key pushes the oldest out.
    expect(out.length).toBeGreaterThan(3);
    const last = new Map(out.map(([k, v]) => [k, v]));
    expect([...last]).toEqual([['a', 10], ['b', 10], ['c', 10]]);
  });

  it('is refused with emit final, and with a size that is not a positive integer', () => {
    expect(() => windowedBy(tumbling('1s')).count({ name: 'c', key: avro.string(), emit: 'final', cache: true }))
      .toThrow(ConfigError);
    expect(() => windowedBy(tumbling('1s')).count({ name: 'c', key: avro.string(), emit: 'final', cache: true }))
      .toThrow(/remove cache or use emit 'update'/);
    expect(() => count({ name: 'c', key: avro.string(), cache: { maxEntries: 0 } })).toThrow(/maxEntries must be a positive integer, got 0/);
  });
});
