// KafkaConsumer.pause against a real broker at VF_BROKERS (skipped without one): a paused
// partition's records are held back here, and librdkafka is paused (which discards its prefetch)
// only once they pass a bound, so a busy node's short pauses cost no refetch and memory stays bounded.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IncomingMessage, TopicPartition, TransportConsumer } from '../transport.js';
import { KafkaTransport } from './kafka-transport.js';
import { rdkafka } from './rdkafka.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('KafkaConsumer.pause (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-pause-${randomUUID().slice(0, 8)}`;
  const ON_P0 = 5_000; // more than a paused partition may hold back (2,000 records)
  const ON_P1 = 300;
  const p0: TopicPartition = { topic, partition: 0 };

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-pause-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = await transport.producer();
    await Promise.all([
      ...Array.from({ length: ON_P0 }, (_, i) => producer.send({ topic, partition: 0, key: null, value: Buffer.from(`p0-${i}`) })),
      ...Array.from({ length: ON_P1 }, (_, i) => producer.send({ topic, partition: 1, key: null, value: Buffer.from(`p1-${i}`) })),
    ]);
    await producer.close();
  }, 120_000);
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });
  afterEach(() => vi.restoreAllMocks());

  async function pollUntil(c: TransportConsumer, into: IncomingMessage[], done: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms (${into.length} records polled)`);
      into.push(...(await c.poll(50, 100)));
    }
  }

  const values = (msgs: readonly IncomingMessage[], partition: number) => msgs.filter((m) => m.partition === partition).map((m) => m.value!.toString());
  const expected = (partition: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `p${partition}-${from + i}`);

  it('holds a paused partition back, pauses librdkafka only past the bound, and after resume hands out every record once, in order', async () => {
    const nativePause = vi.spyOn(rdkafka().KafkaConsumer.prototype, 'pause');
    const consumer = await transport.consumer({ groupId: `g-pause-${randomUUID().slice(0, 8)}` });
    await consumer.subscribe([topic]);
    const before: IncomingMessage[] = [];
    await pollUntil(consumer, before, () => values(before, 0).length > 0);

    consumer.pause([p0]);
    expect(nativePause, 'a pause with little held back stays in the consumer').not.toHaveBeenCalled();
    const whilePaused: IncomingMessage[] = [];
    await pollUntil(consumer, whilePaused, () => values(before, 1).length + values(whilePaused, 1).length === ON_P1);
    // Keep reading a while: librdkafka keeps fetching partition 0 until the held records pass the bound.
    await pollUntil(consumer, whilePaused, () => nativePause.mock.calls.length > 0, 30_000);

    expect(values(whilePaused, 0), 'nothing from the paused partition').toEqual([]);
    expect(nativePause.mock.calls.map((c) => c[0])).toEqual([[{ topic, partition: 0 }]]);

    consumer.resume([p0]);
    const after: IncomingMessage[] = [];
    const seen = () => values(before, 0).length + values(after, 0).length;
    await pollUntil(consumer, after, () => seen() >= ON_P0);
    expect([...values(before, 0), ...values(after, 0)]).toEqual(expected(0, 0, ON_P0));
    expect([...values(before, 1), ...values(whilePaused, 1), ...values(after, 1)].sort()).toEqual(expected(1, 0, ON_P1).sort());
    await consumer.close();
  }, 120_000);

  it('does not pause librdkafka for a short pause, and loses or reorders nothing across it', async () => {
    const nativePause = vi.spyOn(rdkafka().KafkaConsumer.prototype, 'pause');
    const nativeResume = vi.spyOn(rdkafka().KafkaConsumer.prototype, 'resume');
    const consumer = await transport.consumer({ groupId: `g-pause-${randomUUID().slice(0, 8)}` });
    await consumer.subscribe([topic]);
    const got: IncomingMessage[] = [];
    await pollUntil(consumer, got, () => values(got, 0).length > 0);
    // As a node's per-partition limit does: paused for a moment, one poll of the other partitions, resumed.
    for (let round = 0; round < 20; round++) {
      consumer.pause([p0]);
      got.push(...(await consumer.poll(50, 0)));
      consumer.resume([p0]);
      got.push(...(await consumer.poll(50, 0)), ...(await consumer.poll(50, 0)));
    }
    await pollUntil(consumer, got, () => values(got, 0).length >= ON_P0 && values(got, 1).length >= ON_P1);
    expect(values(got, 0)).toEqual(expected(0, 0, ON_P0));
    expect(values(got, 1)).toEqual(expected(1, 0, ON_P1));
    expect(nativePause).not.toHaveBeenCalled();
    expect(nativeResume).not.toHaveBeenCalled();
    await consumer.close();
  }, 120_000);
});
