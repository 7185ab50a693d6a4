// Transport conformance: topics and the reader. Part of describeTransportConformance (transport.conformance.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import type { IncomingMessage, TransportReader } from '@vision-flow/core';
import { eventually, type ConformanceContext } from './conformance-context.js';
import { byPartition, expectVisionFlowError, offsetsOf, range, text, value } from './conformance-helpers.js';
import type { ConformanceSuite } from './transport.conformance.js';

export function topicsConformance(suite: ConformanceSuite): void {
  const { timing, settle, consumeAll } = suite;
  let ctx: ConformanceContext;
  beforeEach(() => {
    ctx = suite.ctx();
  });

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

}
