// What a consumer hands over, byte for byte, against a real broker at VF_BROKERS (skipped without
// one). The Kafka binding's consume(n) is patched (patches/kafka-javascript-1.10.1-consume-batch.patch):
// keys, values and header values up to 4 KiB of one batch are views into shared ArrayBuffers, larger
// ones Buffers of their own. Every size on both sides of that line, null and empty keys and values,
// header values holding U+0000 (the binding reads a string header value as a C string),
// and headers must come back exactly as written, and each Buffer must stay the record's own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, OutgoingMessage } from '../transport.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

/** Distinct bytes for record i: a shared buffer handing out a neighbour's bytes would show. */
const bytes = (i: number, size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, j) => (i * 31 + j * 7) & 0xff));

describe.runIf(brokers)('consumed records (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-bytes-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-bytes-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 1, maxMessageBytes: 1 << 20 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('hands over every key, value and header exactly as written, each record its own bytes', async () => {
    const sizes = [0, 1, 17, 100, 4095, 4096, 4097, 16_384, 16_385, 100_000];
    const sent: OutgoingMessage[] = [];
    for (let i = 0; i < 600; i++) {
      const size = i < 40 ? sizes[i % sizes.length]! : 20 + (i % 90);
      sent.push({
        topic,
        key: i % 7 === 3 ? null : bytes(i + 1000, i % 11 === 5 ? 0 : 8 + (i % 5000 === 0 ? 5000 : i % 13)),
        value: i % 19 === 7 ? null : bytes(i, size),
        headers: i % 4 === 0 ? { trace: `t-${i}`, big: bytes(i, 5000).toString('latin1') } : {},
        timestamp: 1_700_000_000_000 + i,
      });
    }
    const producer = await transport.producer();
    await Promise.all(sent.map((m) => producer.send(m)));
    await producer.close();

    const consumer = await transport.consumer({ groupId: `g-bytes-${randomUUID().slice(0, 8)}` });
    await consumer.subscribe([topic]);
    const got: IncomingMessage[] = [];
    const deadline = Date.now() + 60_000;
    while (got.length < sent.length && Date.now() < deadline) got.push(...(await consumer.poll(500, 200)));
    await consumer.close();

    expect(got.length).toBe(sent.length);
    got.forEach((m, i) => {
      const want = sent[i]!;
      expect({ i, key: m.key?.toString('hex') ?? null, value: m.value?.toString('hex') ?? null, timestamp: m.timestamp }).toEqual({
        i,
        key: want.key?.toString('hex') ?? null,
        value: want.value?.toString('hex') ?? null,
        timestamp: want.timestamp,
      });
      expect(m.headers).toEqual(want.headers);
    });

    // Writing into one record's value changes no other record's key or value.
    const before = got.map((m) => [m.key?.toString('hex'), m.value?.toString('hex')].join('/'));
    got[13]!.value!.fill(0xee); // 100 bytes
    got[11]!.key!.fill(0xee);
    const after = got.map((m) => [m.key?.toString('hex'), m.value?.toString('hex')].join('/'));
    expect(after.filter((a, i) => a !== before[i]).length).toBe(2);
  }, 90_000);
});
