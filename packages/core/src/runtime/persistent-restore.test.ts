// Restore of persistent stores on the memory transport: a second run with the same state folder
// reads only the changelog's tail after the checkpoint; a checkpoint past the changelog's end (the
// topic was deleted and made again) wipes the store and restores the changelog whole.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRecord } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { delay } from '../internal/delay.js';
import { countInput, countTopology, restartRuns, until } from './restart-runs.test-setup.js';

const input = countInput;
const changelog = 'restore-test.count.counts.changelog';
const t = countTopology('restore-test', { persistent: true });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('restoring persistent stores', () => {
  it('reads only the tail after the checkpoint, and everything again once the changelog was made anew', async () => {
    const transport = new MemoryTransport();
    const registry = new InMemorySchemaRegistry();
    const stateDir = mkdtempSync(join(tmpdir(), 'vf-restore-'));
    cleanups.push(() => transport.close(), () => rmSync(stateDir, { recursive: true, force: true }));
    await transport.admin().createTopics([{ name: input.name, partitions: 1 }]);
    const serde = new TopicSerde(input, registry);
    await serde.register();
    const producer = await transport.producer({ clientId: 'feed' });
    let sent = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send(serde.toMessage(new StreamRecord({ key: `k${sent++ % 10}`, value: 1, timestamp: 0 })));
    };

    const { run, processed } = restartRuns(t, { transport, registry, stateDir });

    // First run: 500 records at once, then a trickle, so commits (and checkpoints) follow them.
    await send(500);
    const first = await run(async (runner) => {
      await processed(runner, 500);
      for (let i = 0; i < 20; i++) {
        await send(1);
        await delay(25);
      }
      await processed(runner, 520);
    });
    expect(first).toMatchObject([{ store: 'counts', fromOffset: 0, toOffset: 0, records: 0, persistent: true }]);

    await send(30);
    let storeAfter: KeyValueStore<string, number> | undefined;
    const second = await run(async (runner) => {
      await processed(runner, 30);
      storeAfter = runner.stores('count', 'counts').get(0) as KeyValueStore<string, number>;
      expect(storeAfter.get('k0')).toBe(55); // 550 records over 10 keys: nothing lost, nothing counted twice
    });
    expect(second).toHaveLength(1);
    const tail = second[0]!;
    expect(tail.toOffset).toBe(520);
    expect(tail.fromOffset).toBeGreaterThan(0);
    expect(tail.records).toBe(tail.toOffset - tail.fromOffset);

    // The changelog is deleted and made again, empty: the checkpoint is past its end.
    await transport.admin().deleteTopics([changelog]);
    const third = await run(async (runner) => {
      await until(() => runner.stores('count', 'counts').size > 0);
      const store = runner.stores('count', 'counts').get(0) as KeyValueStore<string, number>;
      expect(store.get('k0')).toBeUndefined();
    });
    expect(third).toMatchObject([{ fromOffset: 0, toOffset: 0, records: 0 }]);
  });
});
