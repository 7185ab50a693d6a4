// A session aggregation on a persistent store, run twice by TopologyRunner on the memory transport
// with the same state folder: the second run restores only the changelog's tail after the checkpoint
// and goes on with the same sessions, nothing lost and nothing counted twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { delay } from '../internal/delay.js';
import { StreamRecord } from '../records/record.js';
import { restartRuns } from '../runtime/restart-runs.test-setup.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { avro } from '../serde/avro/schema.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { SessionStore } from '../state/session-store.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { session } from '../windows/session.js';
import { windowedBy } from './windowed-by.js';
import { windowedKey } from './windowed-key.js';

const input = topic('visits', { value: avro.long(), partitions: 1 });
const output = topic('visit-sessions', { key: windowedKey(avro.string()), value: avro.nullable(avro.long()), partitions: 1 });
const t = topology('sessions-test').node('count', (n) =>
  n.from(input).pipe(windowedBy(session('1m')).count({ name: 'sessions', key: avro.string(), persistent: true })).to(output));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a session aggregation on a persistent store', () => {
  it('restores only the changelog tail after a restart and keeps counting the same sessions', async () => {
    const transport = new MemoryTransport();
    const registry = new InMemorySchemaRegistry();
    const stateDir = mkdtempSync(join(tmpdir(), 'vf-sessions-'));
    cleanups.push(() => transport.close(), () => rmSync(stateDir, { recursive: true, force: true }));
    await transport.admin().createTopics([{ name: input.name, partitions: 1 }]);
    const serde = new TopicSerde(input, registry);
    await serde.register();
    const producer = await transport.producer({ clientId: 'feed' });
    let sent = 0;
    // Four keys, one record each 100 ms of event time: every key stays in one growing session.
    const send = async (n: number) => {
      for (let i = 0; i < n; i++, sent++) await producer.send(serde.toMessage(new StreamRecord({ key: `u${sent % 4}`, value: 1, timestamp: sent * 100 })));
    };
    const { run, processed } = restartRuns(t, { transport, registry, stateDir });

    await send(200);
    const first = await run(async (runner) => {
      await processed(runner, 200);
      for (let i = 0; i < 20; i++) {
        await send(1);
        await delay(25);
      }
      await processed(runner, 220);
    });
    expect(first).toMatchObject([{ store: 'sessions', fromOffset: 0, toOffset: 0, records: 0, persistent: true }]);

    await send(40);
    const second = await run(async (runner) => {
      await processed(runner, 40);
      const store = runner.stores('count', 'sessions').get(0) as SessionStore<string, number>;
      // 260 records over 4 keys, 400 ms apart per key: one session per key from its first record to its last.
      expect(store.fetchAll(0, Number.MAX_SAFE_INTEGER).map((s) => [s.key, s.start, s.end, s.value]).sort()).toEqual([
        ['u0', 0, 25_600, 65],
        ['u1', 100, 25_700, 65],
        ['u2', 200, 25_800, 65],
        ['u3', 300, 25_900, 65],
      ]);
    });
    expect(second).toHaveLength(1);
    const tail = second[0]!;
    expect(tail.fromOffset).toBeGreaterThan(0);
    expect(tail.records).toBe(tail.toOffset - tail.fromOffset);
  });
});
