import { describe, expect, it } from 'vitest';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import type { IncomingMessage, TopicPartition } from '../transport.js';
import { codeOf, drain, setup, tick, v } from './memory-transport.test-setup.js';

describe('MemoryTransport', () => {
  it('identifies itself as the memory transport', () => {
    const { t } = setup();
    expect([t.kind, t.address]).toEqual(['memory', 'memory']);
  });

  describe('producer', () => {
    it('explains that topics are created by createTopics when the topic is missing', async () => {
      const { t } = setup();
      const p = await t.producer();
      const err = await p.send({ topic: 'nope', key: null, value: v('x') }).catch((e: unknown) => e);
      expect(isVisionFlowError(err) && err.code).toBe('UNKNOWN_TOPIC');
      expect((err as Error).message).toMatch(/"nope".*createTopics/);
      expect((err as { retriable: boolean }).retriable).toBe(false);
    });

    it('never settles send inside the call, nor within the same turn of the event loop', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      let settled = false;
      const sent = p.send({ topic: 'a', key: null, value: v('x') }).then(() => (settled = true));
      expect(settled).toBe(false);
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(settled).toBe(false);
      await sent;
      expect(settled).toBe(true);
    });

    it('appends the messages of one producer in the order they were sent', async () => {
      const { t, broker } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      const reports = await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ topic: 'a', key: null, value: v(String(i)) })));
      expect(reports.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(broker.partitionLog('a', 0)!.read(0, 50).map((r) => r.value!.toString())).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    });

    it('copies the bytes it is given, so reusing a buffer after send changes nothing', async () => {
      const { t, broker } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      const buf = Buffer.from('original');
      const sent = p.send({ topic: 'a', key: null, value: buf });
      buf.write('CHANGED!');
      await sent;
      expect(broker.partitionLog('a', 0)!.read(0, 1)[0]!.value!.toString()).toBe('original');
    });

    it('round-robins null keys over the partitions', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 3 }]);
      const p = await t.producer();
      const reports = await Promise.all(Array.from({ length: 6 }, () => p.send({ topic: 'a', key: null, value: v('x') })));
      expect(reports.map((r) => r.partition)).toEqual([0, 1, 2, 0, 1, 2]);
    });

    it('rejects an explicit partition the topic does not have with UNKNOWN_PARTITION', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
      const p = await t.producer();
      expect(await codeOf(p.send({ topic: 'a', partition: 2, key: null, value: v('x') }))).toBe('UNKNOWN_PARTITION');
      expect(await codeOf(p.send({ topic: 'a', partition: -1, key: null, value: v('x') }))).toBe('UNKNOWN_PARTITION');
    });

    it('uses Kafka default maxMessageBytes (about 1 MiB) when the topic sets none', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      await expect(p.send({ topic: 'a', key: null, value: Buffer.alloc(1_000_000) })).resolves.toMatchObject({ offset: 0 });
      expect(await codeOf(p.send({ topic: 'a', key: null, value: Buffer.alloc(1_048_577) }))).toBe('MESSAGE_TOO_LARGE');
    });

    it('flushes pending sends on close and refuses sends after it', async () => {
      const { t, broker } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      const pending = [p.send({ topic: 'a', key: null, value: v('1') }), p.send({ topic: 'a', key: null, value: v('2') })];
      await p.close();
      expect(broker.partitionLog('a', 0)!.highWatermark).toBe(2);
      await Promise.all(pending);
      expect(await codeOf(p.send({ topic: 'a', key: null, value: v('3') }))).toBe('PRODUCER_CLOSED');
    });
  });

  describe('admin', () => {
    it('refuses illegal topic names and partition counts', async () => {
      const { t } = setup();
      expect(await codeOf(t.admin().createTopics([{ name: 'has space', partitions: 1 }]))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(t.admin().createTopics([{ name: 'ok', partitions: 0 }]))).toBe('INVALID_ARGUMENT');
      expect(await t.admin().listTopics()).toEqual([]);
    });

    it('rejects endOffsets of a missing topic with UNKNOWN_TOPIC', async () => {
      const { t } = setup();
      expect(await codeOf(t.admin().endOffsets('missing'))).toBe('UNKNOWN_TOPIC');
    });

    it('refuses to work after the transport is closed', async () => {
      const { t } = setup();
      await t.close();
      expect(await codeOf(t.admin().listTopics())).toBe('TRANSPORT_CLOSED');
      expect(await codeOf(t.producer())).toBe('TRANSPORT_CLOSED');
    });
  });

  describe('consumer', () => {
    it('has its assignment when subscribe resolves', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 3 }]);
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a']);
      expect(c.assignment()).toEqual([0, 1, 2].map((partition) => ({ topic: 'a', partition })));
    });

    it('hands out copies, so a consumer that mutates a record cannot change what another group reads', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      await (await t.producer()).send({ topic: 'a', key: v('k'), value: v('image') });
      const c1 = await t.consumer({ groupId: 'g1' });
      const c2 = await t.consumer({ groupId: 'g2' });
      await c1.subscribe(['a']);
      await c2.subscribe(['a']);
      const [m1] = await drain(c1, 1);
      m1!.value!.write('XXXXX');
      const [m2] = await drain(c2, 1);
      expect(m2!.value!.toString()).toBe('image');
    });

    it('releases its wake-up listeners when a poll times out', async () => {
      const { t, broker } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a']);
      const polled = c.poll(10, 50);
      await tick(10);
      expect(broker.partitionLog('a', 0)!.appended.size).toBe(1);
      expect(await polled).toEqual([]);
      expect(broker.partitionLog('a', 0)!.appended.size).toBe(0);
      expect(broker.partitionLog('a', 1)!.appended.size).toBe(0);
    });

    it('wakes a waiting poll when a paused partition with records is resumed', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      await (await t.producer()).send({ topic: 'a', key: null, value: v('x') });
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a']);
      c.pause([{ topic: 'a', partition: 0 }]);
      const started = Date.now();
      const polled = c.poll(10, 5_000);
      await tick(30);
      c.resume([{ topic: 'a', partition: 0 }]);
      expect(await polled).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('returns [] to a waiting poll when the consumer closes, and refuses polls after', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a']);
      const polled = c.poll(10, 10_000);
      await c.close();
      expect(await polled).toEqual([]);
      expect(await codeOf(c.poll(10, 10))).toBe('CONSUMER_CLOSED');
    });

    it('commits all offsets or none: one partition not owned refuses the whole commit', async () => {
      const { t, broker } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }, { name: 'b', partitions: 1 }]);
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a']);
      expect(await codeOf(c.commit([{ topic: 'a', partition: 0, offset: 1 }, { topic: 'b', partition: 0, offset: 1 }]))).toBe('NOT_ASSIGNED');
      expect(broker.committedOffsets('g', 'a')).toEqual([]);
    });

    it('refuses a commit before subscribe with NOT_ASSIGNED', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const c = await t.consumer({ groupId: 'g' });
      expect(await codeOf(c.commit([{ topic: 'a', partition: 0, offset: 1 }]))).toBe('NOT_ASSIGNED');
    });

    it('does not fetch a partition while its onAssigned runs', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      await (await t.producer()).send({ topic: 'a', key: null, value: v('x') });
      const c = await t.consumer({ groupId: 'g' });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const subscribed = c.subscribe(['a'], { onAssigned: () => gate });
      await tick(10);
      expect(c.assignment()).toHaveLength(1);
      expect(await c.poll(10, 50)).toEqual([]);
      release();
      await subscribed;
      expect(await c.poll(10, 50)).toHaveLength(1);
    });

    it('lets onRevoked commit the revoked partitions, and the next owner starts there', async () => {
      const { t, other } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
      const p = await t.producer();
      await Promise.all([0, 1].flatMap((partition) => [0, 1, 2, 3].map((i) => p.send({ topic: 'a', partition, key: null, value: v(String(i)) }))));
      const a = await t.consumer({ groupId: 'g' });
      const seen = new Map<number, number>();
      await a.subscribe(['a'], {
        onRevoked: async (tps) => {
          await a.commit(tps.map((tp) => ({ ...tp, offset: (seen.get(tp.partition) ?? -1) + 1 })));
        },
      });
      for (const m of await drain(a, 8)) seen.set(m.partition, Math.max(seen.get(m.partition) ?? -1, m.offset));
      const b = await other().consumer({ groupId: 'g' });
      await b.subscribe(['a']);
      expect(b.assignment()).toHaveLength(1);
      expect(await b.poll(10, 50)).toEqual([]);
    });

    it('surfaces an error thrown by a rebalance listener from the next poll, without stopping the rebalance', async () => {
      const { t } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const c = await t.consumer({ groupId: 'g' });
      await c.subscribe(['a'], {
        onAssigned: () => {
          throw new Error('store restore failed');
        },
      });
      expect(c.assignment()).toHaveLength(1);
      const err = await c.poll(1, 10).catch((e: unknown) => e);
      expect(isVisionFlowError(err) && err.code).toBe('REBALANCE_LISTENER_FAILED');
      expect((err as Error).message).toContain('store restore failed');
      expect(await c.poll(1, 10)).toEqual([]);
    });

    it('fences a member whose onRevoked outlasts sessionTimeoutMs: the partition moves and its commit is refused', async () => {
      const { t, other } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
      const a = await t.consumer({ groupId: 'g', sessionTimeoutMs: 100 });
      let revoked: readonly TopicPartition[] = [];
      let finish!: () => void;
      await a.subscribe(['a'], {
        onRevoked: (tps) => {
          revoked = tps;
          return new Promise<void>((r) => (finish = r));
        },
      });
      const b = await other().consumer({ groupId: 'g' });
      const started = Date.now();
      await b.subscribe(['a']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(b.assignment()).toEqual(revoked);
      expect(await codeOf(a.commit(revoked.map((tp) => ({ ...tp, offset: 1 }))))).toBe('NOT_ASSIGNED');
      finish();
    });

    it('moves the partitions of a crashed process after sessionTimeoutMs, without onRevoked, from the last commit', async () => {
      const { broker, t, other } = setup();
      await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
      const p = await t.producer();
      await Promise.all([0, 1, 2, 3, 4].map((i) => p.send({ topic: 'a', key: null, value: v(String(i)) })));
      const dying = other();
      const a = await dying.consumer({ groupId: 'g', sessionTimeoutMs: 150 });
      let revokedCalls = 0;
      await a.subscribe(['a'], { onRevoked: () => void revokedCalls++ });
      await drain(a, 5);
      await a.commit([{ topic: 'a', partition: 0, offset: 2 }]);
      const b = await t.consumer({ groupId: 'g' });
      await b.subscribe(['a']);
      expect(b.assignment()).toEqual([]);

      dying.crash();
      expect(broker.describeGroup('g')!.members.map((m) => m.memberId)).toContain(a.memberId);
      const got = await drain(b, 3, 3_000);

      expect(got.map((m) => m.offset)).toEqual([2, 3, 4]);
      expect(revokedCalls).toBe(0);
      expect(broker.describeGroup('g')!.members.map((m) => m.memberId)).toEqual([b.memberId]);
    });
  });
});
