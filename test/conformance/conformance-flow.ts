// Transport conformance: flow control. Part of describeTransportConformance (transport.conformance.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import type { TopicPartition } from '@vision-flow/core';
import type { ConformanceContext } from './conformance-context.js';
import { offsetsOf, range, text, value } from './conformance-helpers.js';
import type { ConformanceSuite } from './transport.conformance.js';

export function flowControlConformance(suite: ConformanceSuite): void {
  const { timing, settle, consumeAll } = suite;
  let ctx: ConformanceContext;
  beforeEach(() => {
    ctx = suite.ctx();
  });

/** A member of a new group that owns the one partition of a new, empty topic. */
async function soleMemberOfOnePartition() {
  const topic = await ctx.topic(1);
  const member = await ctx.member('a', { groupId: ctx.groupId() });
  await member.subscribe(topic);
  await settle([member], 'the member to own the partition', () => member.assigned().size === 1);
  return member;
}

describe('flow control', () => {
  it('never returns more than max records from one poll', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    await ctx.produce(producer, range(0, 200).map((i) => ({ topic, key: value(`k${i}`), value: value(String(i)) })));
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await ctx.pollUntil([member], '200 records, 7 at most per poll', () => member.received.length >= 200, undefined, 7);
    await member.pollOnce(1, timing.pollMs);

    expect(Math.max(...member.batches)).toBeLessThanOrEqual(7);
    expect(member.batches.filter((n) => n > 0).length).toBeGreaterThanOrEqual(Math.ceil(200 / 7));
    expect(member.received).toHaveLength(200);
    expect(new Set(member.received.map((m) => text(m.value))).size).toBe(200);
  });

  it('yields nothing from a paused partition until it is resumed, while the other partitions flow', async () => {
    const topic = await ctx.topic(2);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);
    await settle([member], 'the member to own both partitions', () => member.assigned().size === 2);
    const p0: TopicPartition = { topic, partition: 0 };
    member.consumer.pause([p0]);
    const producer = await ctx.producer();
    await ctx.produce(producer, [0, 1].flatMap((partition) => range(0, 20).map((i) => ({ topic, partition, key: null, value: value(`${partition}-${i}`) }))));

    await ctx.pollUntil([member], 'the 20 records of partition 1', () => member.receivedFrom(1).length >= 20);
    const until = Date.now() + 10 * timing.pollMs;
    while (Date.now() < until) await member.pollOnce(100, timing.pollMs);
    expect(member.receivedFrom(0), 'nothing from the paused partition').toEqual([]);

    member.consumer.resume([p0]);
    await ctx.pollUntil([member], 'the 20 records of partition 0 after resume', () => member.receivedFrom(0).length >= 20);
    expect(offsetsOf(member.receivedFrom(0))).toEqual(range(0, 20));
    expect(offsetsOf(member.receivedFrom(1))).toEqual(range(0, 20));
  });

  it('returns [] after about timeoutMs when nothing is available', async () => {
    const member = await soleMemberOfOnePartition();

    const timeoutMs = 1_000;
    const started = performance.now();
    const batch = await member.consumer.poll(10, timeoutMs);
    const elapsed = performance.now() - started;

    expect(batch).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs * 0.8);
    expect(elapsed).toBeLessThanOrEqual(timeoutMs + timing.pollSlackMs);
  });

  it('ends a waiting poll early on wakeup(), with nothing, and the next poll waits again', async () => {
    const member = await soleMemberOfOnePartition();

    const timeoutMs = 10_000;
    const started = performance.now();
    const waiting = member.consumer.poll(10, timeoutMs);
    setTimeout(() => member.consumer.wakeup(), 200);
    expect(await waiting).toEqual([]);
    expect(performance.now() - started).toBeLessThan(200 + timing.pollSlackMs);

    const again = performance.now();
    expect(await member.consumer.poll(10, 500)).toEqual([]);
    expect(performance.now() - again).toBeGreaterThanOrEqual(400);
  });
});
}
