// KafkaReader on a real broker (VF_BROKERS; skipped without one): a handle cut off from the
// cluster for good (librdkafka issue #5301) is replaced, and reading goes on where it stopped.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, TransportReader } from '../transport.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

/** A statistics report as librdkafka writes it once it has dropped every broker. */
const CUT_OFF = { message: JSON.stringify({ name: 'vision-flow-reader#consumer-1', type: 'consumer', brokers: { GroupCoordinator: { nodeid: -1, source: 'logical', state: 'INIT' } } }) };

describe.runIf(brokers)('a KafkaReader whose handle lost every broker (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-reader-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-reader-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  async function readUntil(reader: TransportReader, seen: IncomingMessage[], count: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (seen.length < count) {
      if (Date.now() > deadline) throw new Error(`read ${seen.length} of ${count} records in 60 s`);
      seen.push(...(await reader.poll(3, 200)));
    }
  }

  it('reads on through a new handle from where the old one stopped: no record lost or read twice', async () => {
    const producer = await transport.producer();
    const send = (from: number, to: number) => Promise.all(Array.from({ length: to - from }, (_, i) => producer.send({ topic, partition: (from + i) % 2, key: null, value: Buffer.from(`v${from + i}`) })));
    await send(0, 10);

    const reader = await transport.reader();
    await reader.assign([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }]);
    const seen: IncomingMessage[] = [];
    await readUntil(reader, seen, 6); // part of what is there: the rest must come through the new handle

    const native = (reader as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    native.emit('event.stats', CUT_OFF);
    native.emit('event.stats', CUT_OFF);
    await send(10, 14);
    await readUntil(reader, seen, 14);
    await new Promise((r) => setTimeout(r, 500));
    seen.push(...(await reader.poll(100, 500)));

    expect((reader as unknown as { handle: { current: unknown } }).handle.current, 'the handle was replaced').not.toBe(native);
    expect(seen.map((m) => m.value!.toString()).sort()).toEqual(Array.from({ length: 14 }, (_, i) => `v${i}`).sort());
    await reader.close();
    await producer.close();
  }, 90_000);
});
