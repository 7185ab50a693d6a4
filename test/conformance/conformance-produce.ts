// Transport conformance: produce and consume. Part of describeTransportConformance (transport.conformance.ts).
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { isVisionFlowError, type OutgoingMessage } from '@vision-flow/core';
import { murmur2Partition } from '@vision-flow/core/testing';
import type { ConformanceContext } from './conformance-context.js';
import { JAVA_MURMUR2, byPartition, expectVisionFlowError, offsetsOf, range, text, value } from './conformance-helpers.js';
import type { ConformanceSuite } from './transport.conformance.js';

export function produceConsumeConformance(suite: ConformanceSuite): void {
  const { timing, settle, consumeAll } = suite;
  let ctx: ConformanceContext;
  beforeEach(() => {
    ctx = suite.ctx();
  });

describe('produce and consume', () => {
  it('delivers 1000 records over 3 partitions in send order within each partition', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    const sent: OutgoingMessage[] = Array.from({ length: 1000 }, (_, i) => ({ topic, key: value(`key-${i % 37}`), value: value(String(i)) }));
    const reports = await ctx.produce(producer, sent);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await consumeAll(member, 1000);

    expect(member.received).toHaveLength(1000);
    for (const partition of [0, 1, 2]) {
      const expected = reports.map((r, i) => ({ r, i })).filter(({ r }) => r.partition === partition).map(({ i }) => String(i));
      expect(member.receivedFrom(partition).map((m) => text(m.value))).toEqual(expected);
    }
  });

  it('answers produce() through its callback exactly once, never inside the call, in produce order per partition', async () => {
    const topic = await ctx.topic(2);
    const producer = await ctx.producer();
    const answers: Array<{ i: number; error: Error | undefined; partition?: number; offset?: number }> = [];
    let inside = false;
    let answeredInside = 0;
    const all = new Promise<void>((resolve) => {
      for (let i = 0; i < 200; i++) {
        inside = true;
        producer.produce({ topic, partition: i % 2, key: value(`k${i}`), value: value(String(i)) }, (error, report) => {
          if (inside) answeredInside++;
          answers.push({ i, error, partition: report?.partition, offset: report?.offset });
          if (answers.length === 200) resolve();
        });
        inside = false;
      }
    });
    await all;

    expect(answeredInside, 'callbacks run inside produce()').toBe(0);
    expect(answers.filter((a) => a.error)).toEqual([]);
    expect(new Set(answers.map((a) => a.i)).size).toBe(200);
    for (const partition of [0, 1]) {
      const mine = answers.filter((a) => a.partition === partition).sort((a, b) => a.i - b.i);
      expect(mine.map((a) => a.offset)).toEqual(range(0, 100));
    }
    // A failure comes through the callback too, not as a throw.
    const failed = await new Promise<Error | undefined>((resolve) => producer.produce({ topic: `t-missing-${Date.now()}`, key: null, value: value('v') }, (e) => resolve(e)));
    expect(failed && isVisionFlowError(failed) ? failed.code : failed).toBe('UNKNOWN_TOPIC');
  });

  it('gives consecutive offsets from 0 per partition, as reported by send and seen by the consumer', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    const reports = await ctx.produce(producer, Array.from({ length: 90 }, (_, i) => ({ topic, key: value(`k${i}`), value: value(String(i)) })));
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await consumeAll(member, 90);

    for (const partition of [0, 1, 2]) {
      const reported = reports.filter((r) => r.partition === partition).map((r) => r.offset).sort((a, b) => a - b);
      expect(reported).toEqual(range(0, reported.length));
      expect(offsetsOf(member.receivedFrom(partition))).toEqual(reported);
    }
    for (const m of member.received) {
      const i = Number(text(m.value));
      expect({ partition: m.partition, offset: m.offset }).toEqual({ partition: reports[i]!.partition, offset: reports[i]!.offset });
    }
  });

  it('reports end offsets equal to the records written to each partition', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    const counts = [5, 0, 12];
    await ctx.produce(
      producer,
      counts.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic, partition, key: null, value: value(`${partition}-${i}`) }))),
    );

    expect(byPartition(await (await ctx.transport()).admin().endOffsets(topic))).toEqual(counts.map((offset, partition) => ({ topic, partition, offset })));
  });

  it('sends every record of a key to one partition, the one the Java client murmur2 partitioner picks', async () => {
    const partitions = 7;
    const topic = await ctx.topic(partitions);
    const producer = await ctx.producer();
    const keys = [
      ...Array.from({ length: 40 }, (_, i) => value(`camera-${i}`)),
      value('21'),
      value('foobar'),
      Buffer.from([0xff, 0x80, 0x00, 0x7f, 0xfe]),
      Buffer.alloc(0),
    ];
    const sent = keys.flatMap((key) => [1, 2, 3].map((n) => ({ topic, key, value: value(String(n)) })));

    const reports = await ctx.produce(producer, sent);

    reports.forEach((r, i) => {
      const key = sent[i]!.key!;
      expect(r.partition, `partition of key ${key.toString('hex')}`).toBe(murmur2Partition(key, partitions));
    });
    // And independently of our murmur2: hashes the Java client computes (Kafka's UtilsTest),
    // mapped the way its partitioner does, toPositive(h) % partitions.
    for (const [key, javaHash] of JAVA_MURMUR2) {
      const report = await producer.send({ topic, key: value(key), value: value('java') });
      expect(report.partition, `partition of key "${key}"`).toBe((javaHash & 0x7fffffff) % partitions);
    }
  });

  it('spreads records with a null key over several partitions', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    const used = new Set<number>();
    // Several waves, apart in time, so a sticky null-key partitioner also has to move on.
    for (let wave = 0; wave < 6; wave++) {
      const reports = await ctx.produce(producer, Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: value(`${wave}-${i}`) })));
      for (const r of reports) used.add(r.partition);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(used.size).toBeGreaterThanOrEqual(2);
  });

  it('flush waits until every message sent so far is acknowledged', async () => {
    const topic = await ctx.topic(2);
    const producer = await ctx.producer();
    const sends = range(0, 50).map((i) => producer.send({ topic, key: value(`k${i}`), value: value(String(i)) }));
    let acknowledged = 0;
    for (const s of sends) void s.then(() => acknowledged++);

    await producer.flush(timing.waitMs);

    expect(acknowledged).toBe(50);
    const ends = await (await ctx.transport()).admin().endOffsets(topic);
    expect(ends.reduce((n, e) => n + e.offset, 0)).toBe(50);
    await Promise.all(sends);
  });

  it('writes to an explicit partition whatever the key', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    const reports = await ctx.produce(producer, [0, 1, 2, 2, 1].map((partition) => ({ topic, partition, key: value('same-key'), value: value(`p${partition}`) })));
    expect(reports.map((r) => r.partition)).toEqual([0, 1, 2, 2, 1]);
  });

  it('round-trips keys, headers, timestamps, null keys and null values (tombstones)', async () => {
    const topic = await ctx.topic(1);
    const producer = await ctx.producer();
    const t0 = 1_600_000_000_123;
    const sent: OutgoingMessage[] = [
      { topic, key: value('img-1'), value: value('{"w":640}'), headers: { 'vf-trace-id': 'abc', 'content-type': 'application/json' }, timestamp: t0 },
      { topic, key: value('img-1'), value: null, timestamp: t0 + 1 },
      { topic, key: null, value: value('no key'), headers: { empty: '' }, timestamp: t0 + 2 },
      { topic, key: Buffer.from([0, 1, 2, 250]), value: Buffer.from([255, 0, 128]), headers: { unicode: 'détection ✓' }, timestamp: t0 + 3 },
    ];
    await ctx.produce(producer, sent);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await consumeAll(member, sent.length);

    expect(
      member.received.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers }, timestamp: m.timestamp, topic: m.topic })),
    ).toEqual(sent.map((s) => ({ key: s.key, value: s.value, headers: { ...(s.headers ?? {}) }, timestamp: s.timestamp, topic })));
  });

  it('stamps records sent without a timestamp with the time of sending', async () => {
    const topic = await ctx.topic(1);
    const producer = await ctx.producer();
    const before = Date.now();
    await ctx.produce(producer, [{ topic, key: null, value: value('now') }]);
    const after = Date.now();
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await consumeAll(member, 1);

    expect(member.received[0]!.timestamp).toBeGreaterThanOrEqual(before - 1_000);
    expect(member.received[0]!.timestamp).toBeLessThanOrEqual(after + 1_000);
  });

  it('wakes a waiting poll when a record arrives, well before its timeout', async () => {
    const topic = await ctx.topic(1);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);
    await settle([member], 'the member to own the partition', () => member.assigned().size === 1);
    const producer = await ctx.producer();

    const longPollMs = timing.waitMs;
    const started = Date.now();
    const polled = member.consumer.poll(10, longPollMs);
    await ctx.produce(producer, [{ topic, key: null, value: value('wake up') }]);
    const batch = await polled;
    const elapsed = Date.now() - started;

    expect(batch.map((m) => text(m.value))).toEqual(['wake up']);
    expect(elapsed).toBeLessThan(longPollMs / 2);
  });

  it('round-trips a 1 MB value when the topic maxMessageBytes allows it', async () => {
    const topic = await ctx.topic(1, { maxMessageBytes: 3 * 1024 * 1024 });
    const producer = await ctx.producer();
    const big = randomBytes(1024 * 1024);
    await ctx.produce(producer, [{ topic, key: value('big'), value: big }]);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await consumeAll(member, 1, 1);

    expect(member.received[0]!.value?.length).toBe(big.length);
    expect(member.received[0]!.value?.equals(big)).toBe(true);
  });

  it('rejects a record larger than the topic maxMessageBytes with MESSAGE_TOO_LARGE, and goes on with smaller ones', async () => {
    const topic = await ctx.topic(1, { maxMessageBytes: 16 * 1024 });
    const producer = await ctx.producer();

    const err = await expectVisionFlowError(producer.send({ topic, key: null, value: randomBytes(64 * 1024) }), 'MESSAGE_TOO_LARGE');
    expect(err.retriable).toBe(false);

    const report = await producer.send({ topic, key: null, value: value('small') });
    expect(report).toEqual({ topic, partition: 0, offset: expect.any(Number) });
    expect((await (await ctx.transport()).admin().endOffsets(topic))[0]!.offset).toBe(report.offset + 1);
  });
});

}
