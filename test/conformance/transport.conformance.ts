import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVisionFlowError, type IncomingMessage, type OutgoingMessage, type Transport, type TopicPartition, type TransportReader } from '@vision-flow/core';
import { murmur2Partition } from '@vision-flow/core/testing';
import { ConformanceContext, FAST, SLOW, eventually, tpKeyOf, type Member, type Timing } from './conformance-context.js';

export interface ConformanceOptions {
  /** A real broker on a small machine: longer deadlines and polls. */
  readonly slow?: boolean;
}

/** murmur2 of UTF-8 keys as Java's `Utils.murmur2` returns them (apache/kafka UtilsTest.testMurmur2). */
const JAVA_MURMUR2: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

const value = (s: string): Buffer => Buffer.from(s, 'utf8');
const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** Rejects with a VisionFlowError of this code; returns it for further checks. */
async function expectVisionFlowError(p: Promise<unknown>, code: string): Promise<Error & { code: string; retriable: boolean }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected a rejection with code ${code}`).toBeDefined();
  expect(isVisionFlowError(e), `expected a VisionFlowError, got ${String(e)}`).toBe(true);
  const err = e as Error & { code: string; retriable: boolean };
  expect(err.code).toBe(code);
  return err;
}

function allPartitions(topic: string, n: number): Set<string> {
  return new Set(Array.from({ length: n }, (_, partition) => tpKeyOf({ topic, partition })));
}

/** Fails if any partition is owned by two members at once. */
function assertDisjoint(members: readonly Member[]): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const tp of m.assigned()) {
      const other = seen.get(tp);
      expect(other, `${tp} is owned by both ${other} and ${m.name}`).toBeUndefined();
      seen.set(tp, m.name);
    }
  }
}

const union = (members: readonly Member[]): Set<string> => new Set(members.flatMap((m) => [...m.assigned()]));
const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const offsetsOf = (ms: readonly IncomingMessage[]): number[] => ms.map((m) => m.offset);
/** Offsets lists sorted by partition: the contract does not fix their order. */
const byPartition = <T extends TopicPartition>(xs: readonly T[]): T[] => [...xs].sort((a, b) => a.partition - b.partition);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * The behaviour every Transport must have, run against each implementation (memory, kafka).
 * Written against the Transport interface only; every test uses its own random topics and groups,
 * waits for conditions in polling loops with generous deadlines instead of fixed sleeps, and
 * releases what it made.
 */
export function describeTransportConformance(name: string, makeTransport: () => Promise<Transport>, opts: ConformanceOptions = {}): void {
  const timing: Timing = opts.slow ? SLOW : FAST;

  describe(`Transport conformance: ${name}`, () => {
    let ctx: ConformanceContext;

    beforeEach(() => {
      ctx = new ConformanceContext(makeTransport, timing);
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    /** Keeps the members polling until `done` holds, failing at once if a partition is ever owned twice. */
    async function settle(members: readonly Member[], what: string, done: () => boolean): Promise<void> {
      await ctx.pollUntil(members, what, done, () => assertDisjoint(members));
    }

    async function consumeAll(member: Member, count: number, max = 500): Promise<void> {
      await ctx.pollUntil([member], `${member.name} to receive ${count} records`, () => member.received.length >= count, undefined, max);
    }

    describe('topics', () => {
      it('creates a topic with the requested partitions and describes it', async () => {
        const topic = await ctx.topic(3);
        const compacted = await ctx.topic(2, { compacted: true });
        const admin = (await ctx.transport()).admin();

        expect(await admin.describeTopic(topic)).toEqual({ name: topic, partitions: 3, compacted: false });
        expect(await admin.describeTopic(compacted)).toEqual({ name: compacted, partitions: 2, compacted: true });
        expect(byPartition(await admin.endOffsets(topic))).toEqual([0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })));
      });

      it('creates topics idempotently and never changes the partition count of an existing topic', async () => {
        const topic = await ctx.topic(3);
        const admin = (await ctx.transport()).admin();

        await admin.createTopics([{ name: topic, partitions: 3 }]);
        await admin.createTopics([{ name: topic, partitions: 5 }]);

        expect((await admin.describeTopic(topic))?.partitions).toBe(3);
      });

      it('lists created topics and forgets deleted ones', async () => {
        const kept = await ctx.topic(1);
        const deleted = await ctx.topic(1);
        const admin = (await ctx.transport()).admin();
        expect(await admin.listTopics()).toEqual(expect.arrayContaining([kept, deleted]));

        await admin.deleteTopics([deleted]);

        await eventually(`${deleted} to disappear`, async () => !(await admin.listTopics()).includes(deleted), timing.waitMs);
        expect(await admin.listTopics()).toContain(kept);
        await eventually(`${deleted} to be described as missing`, async () => (await admin.describeTopic(deleted)) === undefined, timing.waitMs);
      });

      it('describes a topic that does not exist as undefined', async () => {
        const admin = (await ctx.transport()).admin();
        expect(await admin.describeTopic(`t-missing-${Date.now()}`)).toBeUndefined();
      });

      it('rejects producing to a missing topic with UNKNOWN_TOPIC naming the topic', async () => {
        const missing = `t-missing-${Date.now()}`;
        const producer = await ctx.producer();

        const err = await expectVisionFlowError(producer.send({ topic: missing, key: value('k'), value: value('v') }), 'UNKNOWN_TOPIC');

        expect(err.message).toContain(missing);
        expect((await (await ctx.transport()).admin().listTopics()).includes(missing), 'producing must not create the topic').toBe(false);
      });
    });

    describe('reader (store restore, tail)', () => {
      async function readUntil(reader: TransportReader, count: number): Promise<IncomingMessage[]> {
        const out: IncomingMessage[] = [];
        const deadline = Date.now() + timing.waitMs;
        while (out.length < count) {
          if (Date.now() > deadline) throw new Error(`reader got ${out.length} of ${count} records in ${timing.waitMs} ms`);
          out.push(...(await reader.poll(100, timing.pollMs)));
        }
        return out;
      }

      it('reads one partition from the offset it is given, in order, without joining any group', async () => {
        const topic = await ctx.topic(2);
        const producer = await ctx.producer();
        await ctx.produce(producer, range(0, 20).map((i) => ({ topic, partition: 1, key: value('k'), value: value(`v${i}`) })));
        const transport = await ctx.transport();
        const reader = await transport.reader!({ clientId: 'conformance-reader' });
        try {
          await reader.assign([{ topic, partition: 1, offset: 5 }]);
          const got = await readUntil(reader, 15);
          expect(offsetsOf(got)).toEqual(range(5, 20));
          expect(got.map((m) => text(m.value))).toEqual(range(5, 20).map((i) => `v${i}`));
          expect(await reader.poll(10, timing.pollMs), 'nothing after the end').toEqual([]);
        } finally {
          await reader.close();
        }
      });

      it('re-reads from a new position after a second assign', async () => {
        const topic = await ctx.topic(1);
        const producer = await ctx.producer();
        await ctx.produce(producer, range(0, 5).map((i) => ({ topic, partition: 0, key: null, value: value(`v${i}`) })));
        const reader = await (await ctx.transport()).reader!();
        try {
          await reader.assign([{ topic, partition: 0, offset: 0 }]);
          expect(offsetsOf(await readUntil(reader, 5))).toEqual(range(0, 5));
          await reader.assign([{ topic, partition: 0, offset: 3 }]);
          expect(offsetsOf(await readUntil(reader, 2))).toEqual([3, 4]);
        } finally {
          await reader.close();
        }
      });
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
        const topic = await ctx.topic(1);
        const member = await ctx.member('a', { groupId: ctx.groupId() });
        await member.subscribe(topic);
        await settle([member], 'the member to own the partition', () => member.assigned().size === 1);

        const timeoutMs = 1_000;
        const started = performance.now();
        const batch = await member.consumer.poll(10, timeoutMs);
        const elapsed = performance.now() - started;

        expect(batch).toEqual([]);
        expect(elapsed).toBeGreaterThanOrEqual(timeoutMs * 0.8);
        expect(elapsed).toBeLessThanOrEqual(timeoutMs + timing.pollSlackMs);
      });
    });
  });
}
