import { afterEach, describe, expect, it } from 'vitest';
import { delay } from '../../internal/delay.js';
import { topic } from '../../dsl/topic.js';
import { StreamRecord } from '../../records/record.js';
import { avro } from '../../serde/avro/schema.js';
import { InMemorySchemaRegistry } from '../../serde/avro/in-memory-schema-registry.js';
import { TopicSerde } from '../../serde/topic-serde.js';
import type { StoreCheckpoint } from '../../state/store-checkpoint.js';
import type { StoreBuilder } from '../../state/state-store.js';
import { MemoryTransport } from '../../transport/memory/memory-transport.js';
import { Changelog } from './changelog.js';
import type { RecordOutput } from './record-output.js';
import { StoreCheckpointer } from './store-checkpointer.js';

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** A store's checkpoint that records what was taken and what was written with which offset. */
function recordingCheckpoint(): StoreCheckpoint & { pending: number; takes: number; written: Array<{ offset: number; writes: number }> } {
  const c = {
    pending: 0,
    takes: 0,
    written: [] as Array<{ offset: number; writes: number }>,
    offset: undefined,
    wipe: () => undefined,
    take: () => {
      c.takes++;
      const writes = c.pending;
      return async (offset: number) => {
        c.written.push({ offset, writes });
        c.pending -= writes;
      };
    },
  };
  return c;
}

describe('StoreCheckpointer', () => {
  it('puts a take on disk, with the changelog end read before it, only once the second commit after it has ended', async () => {
    const transport = new MemoryTransport();
    transports.push(transport);
    const log = topic('t.n.s.changelog', { key: avro.string(), value: avro.long(), partitions: 1, compacted: true });
    await transport.admin().createTopics([{ name: log.name, partitions: 1, compacted: true }]);
    const serde = new TopicSerde(log, new InMemorySchemaRegistry());
    await serde.register();
    const producer = await transport.producer({ clientId: 'p' });
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) await producer.send(serde.toMessage(new StreamRecord({ key: 'k', value: i, timestamp: 0 })));
    };
    const builder = { name: 's', logged: true } as StoreBuilder;
    const changelog = new Changelog(transport, 'c', new Map([['s', serde as unknown as TopicSerde<unknown, unknown>]]), {} as RecordOutput);
    const checkpointer = new StoreCheckpointer(changelog, 0, () => undefined);
    const store = recordingCheckpoint();
    checkpointer.add(builder, store);

    await write(3);
    store.pending = 3;
    checkpointer.committed(); // starts a take: reads the end (3), then takes
    await delay(20);
    expect(store.takes).toBe(1);
    await write(2); // made after the take: not in it
    store.pending = 5;
    checkpointer.committed(); // this commit may have started before the take
    await checkpointer.idle();
    expect(store.written).toEqual([]);
    checkpointer.committed(); // started after the previous one ended, so after the take: it acknowledged the take
    await checkpointer.idle();
    expect(store.written).toEqual([{ offset: 3, writes: 3 }]);
    await delay(20);
    expect(store.takes).toBe(2); // the next take started at once

    checkpointer.close();
    checkpointer.committed();
    checkpointer.committed();
    await checkpointer.idle();
    expect(store.written).toHaveLength(1); // nothing once closed
  });
});
