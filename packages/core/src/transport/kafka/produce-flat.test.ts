// The binding's produceFlat() (patches/kafka-javascript-1.10.1-produce-flat-headers.patch, and the
// C API path of kafka-javascript-1.10.1-produce-flat-c-api.patch) against a real broker at
// VF_BROKERS (skipped without one): what it refuses, and that a refused call leaves the producer
// taking messages. What it writes, headers included, comes back byte for byte in consumed-bytes.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTransport } from './kafka-transport.js';
import { rdkafka } from './rdkafka.js';

const brokers = process.env['VF_BROKERS']?.trim();

interface FlatProducer {
  connect(opts: { timeout: number }, cb: (e: unknown) => void): void;
  disconnect(cb: () => void): void;
  flush(timeoutMs: number, cb: (e: unknown) => void): void;
  produceFlat(topic: string, partition: number | null, value: Buffer | null, key: Buffer | null, timestamp: number | null, opaque: unknown, headers: unknown[] | undefined): unknown;
}

describe.runIf(brokers)('produceFlat (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-flat-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-flat-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 1 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('refuses headers that are not name, value pairs of strings or Buffers, and takes the next message', async () => {
    const producer = new (rdkafka().Producer)({ 'bootstrap.servers': brokers!, 'delivery.report.only.error': true }) as unknown as FlatProducer;
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (e) => (e ? reject(e) : resolve())));
    try {
      const send = (headers: unknown[] | undefined) => producer.produceFlat(topic, null, Buffer.from('v'), Buffer.from('k'), null, undefined, headers);
      expect(() => send(['only-a-name'])).toThrow(/name, value pairs/);
      expect(() => send([42, 'value'])).toThrow(/Header name must be a string/);
      expect(() => send(['name', 'ok', 'other', 42])).toThrow(/Header value must be a string or buffer/);
      expect(() => send(['a', 'x', 'b', Buffer.from([0, 1, 2])])).not.toThrow();
      expect(() => send(undefined)).not.toThrow();
      await new Promise<void>((resolve, reject) => producer.flush(10_000, (e) => (e ? reject(e) : resolve())));
      const ends = await transport.admin().endOffsets(topic);
      expect(ends.reduce((n, o) => n + o.offset, 0)).toBe(2);
    } finally {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    }
  }, 60_000);
});
