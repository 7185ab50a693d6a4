// A changelog whose oldest records retention has deleted (compact+delete window changelogs, after a
// long stop) restores what is kept, from the log start. Before, a restore asked to read from offset
// 0 waited for ever for records that no longer exist (on Kafka the reader also jumped to the end).
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { stateful } from '../processor/stateful.js';
import { StreamRecord, type Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { keyValueStore } from '../state/stores.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { restartRuns, until } from './restart-runs.test-setup.js';

const input = topic('events', { value: avro.long(), partitions: 1 });
const output = topic('totals', { value: avro.long(), partitions: 1 });
const changelog = 'retention-test.count.counts.changelog';

class Count implements Processor<Rec<string, number>, Rec<string, number>> {
  private ctx!: ProcessorContext<Rec<string, number>>;
  private counts!: KeyValueStore<string, number>;
  init(ctx: ProcessorContext<Rec<string, number>>): void {
    this.ctx = ctx;
    this.counts = ctx.getStateStore('counts');
  }
  process(rec: Rec<string, number>): void {
    const n = (this.counts.get(rec.key) ?? 0) + 1;
    this.counts.put(rec.key, n);
    void this.ctx.forward(rec.withValue(n));
  }
  close(): void {}
}

const counts = keyValueStore('counts', { key: avro.string(), value: avro.long() });
const t = topology('retention-test').node('count', (n) => n.from(input).pipe(stateful({ name: 'count', stores: [counts], get: () => new Count() })).to(output));

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((x) => x.close()));
});

describe('restoring a changelog whose start retention has deleted', () => {
  it('reads what is kept, from the log start, and finishes', async () => {
    const transport = new MemoryTransport();
    transports.push(transport);
    const registry = new InMemorySchemaRegistry();
    await transport.admin().createTopics([{ name: input.name, partitions: 1 }]);
    const serde = new TopicSerde(input, registry);
    await serde.register();
    const producer = await transport.producer({ clientId: 'feed' });
    for (let i = 0; i < 100; i++) await producer.send(serde.toMessage(new StreamRecord({ key: `k${i % 10}`, value: 1, timestamp: 0 })));

    const { run, processed } = restartRuns(t, { transport, registry, stateDir: '.unused' });
    await run((runner) => processed(runner, 100));
    const log = transport.broker.partitionLog(changelog, 0)!;
    expect(log.highWatermark, 'one changelog write per record').toBe(100);
    log.dropBefore(95); // retention: only the writes of k5..k9 that took them to 10 are left

    const restored = await run(async (runner) => {
      await until(() => runner.stores('count', 'counts').size > 0);
      const store = runner.stores('count', 'counts').get(0) as KeyValueStore<string, number>;
      expect(['k0', 'k4', 'k5', 'k9'].map((k) => store.get(k))).toEqual([undefined, undefined, 10, 10]);
    });
    expect(restored).toMatchObject([{ store: 'counts', fromOffset: 95, toOffset: 100, records: 5 }]);
  });
});
