// The binding's produceFlat() (patches/kafka-javascript-1.10.1-produce-flat-headers.patch, the
// C API path of kafka-javascript-1.10.1-produce-flat-c-api.patch, and the one-allocation headers
// list of kafka-javascript-1.10.1-librdkafka-packed-headers.patch) against a real broker at
// VF_BROKERS (skipped without one): what it refuses, that a refused call leaves the producer
// taking messages, and that headers whose UTF-8 size differs from their length (the packed list is
// sized from it) come back byte for byte. consumed-bytes.test.ts covers the rest of what it writes.
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

interface RawMessage {
  offset: number;
  headers?: Array<Record<string, Buffer>>;
}
interface AssignedConsumer {
  connect(opts: { timeout: number }, cb: (e: unknown) => void): void;
  assign(tps: Array<{ topic: string; partition: number; offset: number }>): void;
  consume(n: number, cb: (e: unknown, msgs: RawMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  disconnect(cb: () => void): void;
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

  it('writes headers byte for byte whatever their UTF-8 size: multi-byte, empty, U+0000, lone surrogates, Buffers, many', async () => {
    const producer = new (rdkafka().Producer)({ 'bootstrap.servers': brokers!, 'delivery.report.only.error': true }) as unknown as FlatProducer;
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (e) => (e ? reject(e) : resolve())));
    const big = Buffer.from(Array.from({ length: 5000 }, (_, j) => (j * 7) & 0xff));
    const headerSets: unknown[][] = [
      ['vf-origin', 'bench.in/3/123456', 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      ['naïve-ключ-🚀', 'значение ✓ 🚀🚀', 'empty', '', 'nul', 'a\u0000b', 'lone', '\uD800x\uDC00', 'bytes', Buffer.from([0, 255, 128]), 'no-bytes', Buffer.alloc(0)],
      Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? `h-${i}-é` : i % 4 === 1 ? `v-${'ü'.repeat(i)}` : big)),
    ];
    const start = (await transport.admin().endOffsets(topic)).reduce((n, o) => n + o.offset, 0);
    try {
      for (const headers of headerSets) producer.produceFlat(topic, 0, Buffer.from('v'), Buffer.from('k'), null, undefined, headers);
      await new Promise<void>((resolve, reject) => producer.flush(10_000, (e) => (e ? reject(e) : resolve())));
    } finally {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    }

    const consumer = new (rdkafka().KafkaConsumer)({ 'bootstrap.servers': brokers!, 'group.id': `g-flat-${randomUUID().slice(0, 8)}`, 'enable.auto.commit': false }, {}) as unknown as AssignedConsumer;
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (e) => (e ? reject(e) : resolve())));
    const got: RawMessage[] = [];
    try {
      consumer.setDefaultConsumeTimeout(200);
      consumer.assign([{ topic, partition: 0, offset: start }]);
      const deadline = Date.now() + 30_000;
      while (got.length < headerSets.length && Date.now() < deadline) {
        got.push(...(await new Promise<RawMessage[]>((resolve, reject) => consumer.consume(10, (e, msgs) => (e ? reject(e) : resolve(msgs))))));
      }
    } finally {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
    // What the headers must read back as: names and string values as UTF-8 (a lone surrogate as U+FFFD), Buffers as they were.
    const expected = headerSets.map((flat) => {
      const out: Array<[string, string]> = [];
      for (let i = 0; i < flat.length; i += 2) {
        const value = flat[i + 1];
        out.push([flat[i] as string, (Buffer.isBuffer(value) ? value : Buffer.from(value as string, 'utf8')).toString('hex')]);
      }
      return out;
    });
    const read = got.map((m) => (m.headers ?? []).flatMap((h) => Object.entries(h).map(([name, value]) => [name, Buffer.from(value).toString('hex')] as [string, string])));
    expect(read).toEqual(expected);
  }, 60_000);
});
