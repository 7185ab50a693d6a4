// A changelog whose oldest records retention has deleted (compact+delete window changelogs, after a
// long stop) restores what is kept, from the log start. Before, a restore asked to read from offset
// 0 waited for ever for records that no longer exist (on Kafka the reader also jumped to the end).
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRecord } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { countInput, countTopology, restartRuns, until } from './restart-runs.test-setup.js';

const input = countInput;
const changelog = 'retention-test.count.counts.changelog';
const t = countTopology('retention-test', { persistent: false });

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
