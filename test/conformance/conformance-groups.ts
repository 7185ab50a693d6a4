// Transport conformance: consumer groups. Part of describeTransportConformance (transport.conformance.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, tpKeyOf, type ConformanceContext, type Member } from './conformance-context.js';
import { allPartitions, assertDisjoint, byPartition, expectVisionFlowError, offsetsOf, range, sameSet, text, union, value } from './conformance-helpers.js';
import type { ConformanceSuite } from './transport.conformance.js';

export function consumerGroupsConformance(suite: ConformanceSuite): void {
  const { timing, settle, consumeAll } = suite;
  let ctx: ConformanceContext;
  beforeEach(() => {
    ctx = suite.ctx();
  });

describe('consumer groups', () => {
  it('gives a single member every partition', async () => {
    const topic = await ctx.topic(4);
    const member = await ctx.member('a', { groupId: ctx.groupId() });
    await member.subscribe(topic);

    await settle([member], 'one member to own all 4 partitions', () => sameSet(member.assigned(), allPartitions(topic, 4)));

    const assignedByCallback = new Set(ctx.events.filter((e) => e.kind === 'assigned').flatMap((e) => e.partitions.map(tpKeyOf)));
    expect(assignedByCallback).toEqual(allPartitions(topic, 4));
  });

  it('splits partitions between two members, none owned twice and none orphaned, each record read once', async () => {
    const topic = await ctx.topic(6);
    const groupId = ctx.groupId();
    const a = await ctx.member('a', { groupId });
    const b = await ctx.member('b', { groupId });
    await a.subscribe(topic);
    await b.subscribe(topic);

    await settle([a, b], 'both members to own 3 partitions each', () => sameSet(union([a, b]), allPartitions(topic, 6)) && a.assigned().size === 3 && b.assigned().size === 3);

    const producer = await ctx.producer();
    await ctx.produce(producer, Array.from({ length: 120 }, (_, i) => ({ topic, key: value(`k${i}`), value: value(String(i)) })));
    await ctx.pollUntil([a, b], 'all 120 records', () => a.received.length + b.received.length >= 120, () => assertDisjoint([a, b]));

    const values = [...a.received, ...b.received].map((m) => text(m.value));
    expect(new Set(values).size).toBe(120);
    expect(values).toHaveLength(120);
    for (const m of a.received) expect(a.assigned().has(tpKeyOf(m))).toBe(true);
    for (const m of b.received) expect(b.assigned().has(tpKeyOf(m))).toBe(true);
  });

  it('gives partition i of every topic to the same member of a co-partitioned group, also after a member leaves', async () => {
    const left = await ctx.topic(4);
    const right = await ctx.topic(4);
    const groupId = ctx.groupId();
    const a = await ctx.member('a', { groupId, copartitioned: true });
    const b = await ctx.member('b', { groupId, copartitioned: true });
    await a.subscribe(left, right);
    // Co-partitioned groups may rebalance eagerly: b's join completes only once a rejoins, and a
    // member rejoins while it polls, as every node's poll loop does.
    let joined = false;
    const joining = b.subscribe(left, right).then(() => void (joined = true));
    await settle([a], 'b to join while a polls', () => joined);
    await joining;
    const numbers = (m: Member, topic: string) => [...m.assigned()].filter((k) => k.startsWith(`${topic}/`)).map((k) => Number(k.slice(topic.length + 1))).sort();
    const together = (m: Member) => JSON.stringify(numbers(m, left)) === JSON.stringify(numbers(m, right));

    await settle([a, b], 'all 8 partitions owned, split between both members', () => union([a, b]).size === 8 && a.assigned().size > 0 && b.assigned().size > 0);
    expect(together(a), `a owns ${[...a.assigned()].join(' ')}`).toBe(true);
    expect(together(b), `b owns ${[...b.assigned()].join(' ')}`).toBe(true);

    await ctx.closeMember(a);
    await settle([b], 'b to own all 8 partitions', () => b.assigned().size === 8);
    expect(together(b)).toBe(true);
  });

  it('moves the partitions of a member that closes to the remaining member', async () => {
    const topic = await ctx.topic(4);
    const groupId = ctx.groupId();
    const a = await ctx.member('a', { groupId });
    const b = await ctx.member('b', { groupId });
    await a.subscribe(topic);
    await b.subscribe(topic);
    await settle([a, b], 'a 2/2 split', () => a.assigned().size === 2 && b.assigned().size === 2);
    const fromA = new Set(a.assigned());
    const closedAt = ctx.events.length;

    await ctx.closeMember(a);

    await settle([b], 'b to own all 4 partitions', () => sameSet(b.assigned(), allPartitions(topic, 4)));
    const after = ctx.events.slice(closedAt);
    const revokedFromA = new Set(after.filter((e) => e.member === 'a' && e.kind === 'revoke-end').flatMap((e) => e.partitions.map(tpKeyOf)));
    expect(revokedFromA, 'a closing runs its onRevoked for what it owned').toEqual(fromA);
    const assignedToB = after.filter((e) => e.member === 'b' && e.kind === 'assigned').flatMap((e) => e.partitions.map(tpKeyOf));
    for (const tp of fromA) expect(assignedToB).toContain(tp);
  });

  it('revokes only the moving partitions when a member joins (cooperative), and only after onRevoked the new owner gets them', async () => {
    const topic = await ctx.topic(6);
    const groupId = ctx.groupId();
    const a = await ctx.member('a', { groupId });
    a.revokeDelayMs = 300;
    await a.subscribe(topic);
    await settle([a], 'a to own all 6 partitions', () => a.assigned().size === 6);
    const before = new Set(a.assigned());
    const joinedAt = ctx.events.length;

    const b = await ctx.member('b', { groupId });
    await b.subscribe(topic);
    await settle([a, b], 'a 3/3 split', () => a.assigned().size === 3 && b.assigned().size === 3 && sameSet(union([a, b]), allPartitions(topic, 6)));

    const after = ctx.events.slice(joinedAt);
    const revokedFromA = new Set(after.filter((e) => e.member === 'a' && e.kind === 'revoke-start').flatMap((e) => e.partitions.map(tpKeyOf)));
    expect(revokedFromA, 'only the partitions that move to b are revoked from a').toEqual(b.assigned());
    for (const tp of a.assigned()) expect(before.has(tp), `${tp} stayed with a`).toBe(true);

    for (const tp of b.assigned()) {
      const revokeEnd = ctx.events.findIndex((e) => e.member === 'a' && e.kind === 'revoke-end' && e.partitions.some((p) => tpKeyOf(p) === tp));
      const assigned = ctx.events.findIndex((e) => e.member === 'b' && e.kind === 'assigned' && e.partitions.some((p) => tpKeyOf(p) === tp));
      expect(revokeEnd, `a finished revoking ${tp}`).toBeGreaterThanOrEqual(0);
      expect(assigned, `b was given ${tp} after a's onRevoked finished`).toBeGreaterThan(revokeEnd);
    }
  });

  it('starts a new member of the group at the committed offsets', async () => {
    const topic = await ctx.topic(2);
    const groupId = ctx.groupId();
    const producer = await ctx.producer();
    await ctx.produce(producer, [0, 1].flatMap((partition) => range(0, 10).map((i) => ({ topic, partition, key: null, value: value(`${partition}-${i}`) }))));
    const a = await ctx.member('a', { groupId });
    await a.subscribe(topic);
    await consumeAll(a, 20);
    await a.consumer.commit([
      { topic, partition: 0, offset: 4 },
      { topic, partition: 1, offset: 7 },
    ]);
    await ctx.closeMember(a);

    const b = await ctx.member('b', { groupId });
    await b.subscribe(topic);
    await ctx.pollUntil([b], 'b to read what was not committed', () => b.received.length >= 6 + 3);

    expect(offsetsOf(b.receivedFrom(0))).toEqual(range(4, 10));
    expect(offsetsOf(b.receivedFrom(1))).toEqual(range(7, 10));
  });

  it('starts a group with autoOffsetReset latest after the records written before it joined', async () => {
    const topic = await ctx.topic(1);
    const producer = await ctx.producer();
    await ctx.produce(producer, range(0, 5).map((i) => ({ topic, key: null, value: value(`old-${i}`) })));
    const member = await ctx.member('a', { groupId: ctx.groupId(), autoOffsetReset: 'latest' });
    await member.subscribe(topic);

    // Keep writing markers until the member sees one: then it is positioned, wherever that happened.
    const markers: Array<Promise<unknown>> = [];
    await ctx.pollUntil([member], 'a marker record', () => {
      if (member.received.some((m) => text(m.value)?.startsWith('marker-'))) return true;
      markers.push(producer.send({ topic, key: null, value: value(`marker-${markers.length}`) }));
      return false;
    });
    await Promise.all(markers);

    expect(member.received.filter((m) => text(m.value)?.startsWith('old-'))).toEqual([]);
  });

  it('redelivers the records after the last commit when a partition changes owner (at-least-once)', async () => {
    const topic = await ctx.topic(2);
    const groupId = ctx.groupId();
    const producer = await ctx.producer();
    await ctx.produce(producer, [0, 1].flatMap((partition) => range(0, 10).map((i) => ({ topic, partition, key: null, value: value(`${partition}-${i}`) }))));
    const a = await ctx.member('a', { groupId });
    await a.subscribe(topic);
    await consumeAll(a, 20);
    await a.consumer.commit([
      { topic, partition: 0, offset: 3 },
      { topic, partition: 1, offset: 3 },
    ]);

    const b = await ctx.member('b', { groupId });
    await b.subscribe(topic);
    await settle([a, b], 'a 1/1 split and b to read its partition', () => a.assigned().size === 1 && b.assigned().size === 1 && b.received.length >= 7);

    const moved = [...b.assigned()][0]!;
    const movedPartition = Number(moved.split('/').pop());
    expect(offsetsOf(b.receivedFrom(movedPartition)), 'b rereads from the committed offset what a had read').toEqual(range(3, 10));
    expect(a.received.length, 'a reads nothing twice on the partition it kept').toBe(20);
  });

  it('commits offsets that the admin then reports, only for committed partitions', async () => {
    const topic = await ctx.topic(3);
    const groupId = ctx.groupId();
    const producer = await ctx.producer();
    await ctx.produce(producer, range(0, 30).map((i) => ({ topic, partition: i % 3, key: null, value: value(String(i)) })));
    const a = await ctx.member('a', { groupId });
    await a.subscribe(topic);
    await consumeAll(a, 30);
    const admin = (await ctx.transport()).admin();
    expect(await admin.committedOffsets(groupId, topic)).toEqual([]);

    await a.consumer.commit([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 2, offset: 10 },
    ]);
    await a.consumer.commit([{ topic, partition: 0, offset: 5 }]);

    await eventually(
      'committed offsets to show',
      async () => JSON.stringify(byPartition(await admin.committedOffsets(groupId, topic)).map((o) => [o.topic, o.partition, o.offset])) === JSON.stringify([[topic, 0, 5], [topic, 2, 10]]),
      timing.waitMs,
    );
    expect(await admin.committedOffsets(ctx.groupId(), topic), 'another group has no commits').toEqual([]);
  });

  it('refuses with NOT_ASSIGNED to commit a partition the member does not own', async () => {
    const topic = await ctx.topic(2);
    const groupId = ctx.groupId();
    const a = await ctx.member('a', { groupId });
    const b = await ctx.member('b', { groupId });
    await a.subscribe(topic);
    await b.subscribe(topic);
    await settle([a, b], 'a 1/1 split', () => a.assigned().size === 1 && b.assigned().size === 1);
    const { topic: t, partition } = b.consumer.assignment()[0]!;
    const ofB = { topic: t, partition };

    await expectVisionFlowError(a.consumer.commit([{ ...ofB, offset: 1 }]), 'NOT_ASSIGNED');

    expect(await (await ctx.transport()).admin().committedOffsets(groupId, topic)).toEqual([]);
    await b.consumer.commit([{ ...ofB, offset: 1 }]);
    expect((await (await ctx.transport()).admin().committedOffsets(groupId, topic)).map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }))).toEqual([{ ...ofB, offset: 1 }]);
  });

  it('delivers every record to each of two groups', async () => {
    const topic = await ctx.topic(3);
    const producer = await ctx.producer();
    await ctx.produce(producer, range(0, 100).map((i) => ({ topic, key: value(`k${i}`), value: value(String(i)) })));
    const g1 = await ctx.member('g1', { groupId: ctx.groupId() });
    const g2 = await ctx.member('g2', { groupId: ctx.groupId() });
    await g1.subscribe(topic);
    await g2.subscribe(topic);

    await ctx.pollUntil([g1, g2], 'both groups to read 100 records', () => g1.received.length >= 100 && g2.received.length >= 100);

    const expected = range(0, 100).map(String).sort();
    expect(g1.received.map((m) => text(m.value)).sort()).toEqual(expected);
    expect(g2.received.map((m) => text(m.value)).sort()).toEqual(expected);
  });

  it('closes every consumer a transport made when the transport closes, so its partitions move', async () => {
    const topic = await ctx.topic(2);
    const groupId = ctx.groupId();
    const process1 = await ctx.newTransport();
    const a = await ctx.member('a', { groupId }, process1);
    const b = await ctx.member('b', { groupId });
    await a.subscribe(topic);
    await b.subscribe(topic);
    await settle([a, b], 'a 1/1 split', () => a.assigned().size === 1 && b.assigned().size === 1);

    await ctx.closeTransport(process1);

    await settle([b], 'b to own both partitions', () => sameSet(b.assigned(), allPartitions(topic, 2)));
  });
});

}
