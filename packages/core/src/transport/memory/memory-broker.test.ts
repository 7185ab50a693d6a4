import { describe, expect, it } from 'vitest';
import { drain, setup, v } from './memory-transport.test-setup.js';
import type { TopicPartition } from '../transport.js';

describe('MemoryBroker', () => {
  it('reports each partition lag, committed offset and owner of a group', async () => {
    const { t, broker } = setup();
    await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
    const p = await t.producer();
    await Promise.all([0, 0, 0, 1].map((partition) => p.send({ topic: 'a', partition, key: null, value: v('x') })));
    const c = await t.consumer({ groupId: 'g', clientId: 'worker' });
    await c.subscribe(['a']);
    await c.commit([{ topic: 'a', partition: 0, offset: 1 }]);

    expect(broker.groupLag('g')).toEqual({
      groupId: 'g',
      state: 'stable',
      totalLag: 3,
      partitions: [
        { topic: 'a', partition: 0, endOffset: 3, committedOffset: 1, lag: 2, owner: 'worker' },
        { topic: 'a', partition: 1, endOffset: 1, committedOffset: undefined, lag: 1, owner: 'worker' },
      ],
    });
    await c.close();
    expect(broker.groupLag('g')).toMatchObject({
      state: 'empty',
      totalLag: 3,
      partitions: [
        { partition: 0, lag: 2, owner: undefined },
        { partition: 1, lag: 1, owner: undefined },
      ],
    });
    expect(broker.groupLag('unknown')).toEqual({ groupId: 'unknown', state: 'empty', totalLag: 0, partitions: [] });
  });

  it('describes a group: members, their topics and assignments, and the generation', async () => {
    const { t, other, broker } = setup();
    await t.admin().createTopics([{ name: 'a', partitions: 2 }]);
    const c1 = await t.consumer({ groupId: 'g', clientId: 'one' });
    const c2 = await other().consumer({ groupId: 'g', clientId: 'two' });
    await c1.subscribe(['a']);
    await c2.subscribe(['a']);
    const d = broker.describeGroup('g')!;
    expect(d.state).toBe('stable');
    expect(d.generation).toBeGreaterThanOrEqual(2);
    expect(d.members.map((m) => [m.clientId, m.topics, m.assignment.length])).toEqual([
      ['one', ['a'], 1],
      ['two', ['a'], 1],
    ]);
  });

  it('co-partitions the topics a group reads: the same partition numbers of both go to one member', async () => {
    const { t, other } = setup();
    await t.admin().createTopics([{ name: 'objects', partitions: 4 }, { name: 'faces', partitions: 4 }]);
    const members = [await t.consumer({ groupId: 'agg' }), await other().consumer({ groupId: 'agg' })];
    for (const m of members) await m.subscribe(['objects', 'faces']);
    for (const m of members) {
      const numbers = (topic: string): number[] => m.assignment().filter((tp) => tp.topic === topic).map((tp) => tp.partition);
      expect(numbers('objects')).toHaveLength(2);
      expect(numbers('objects')).toEqual(numbers('faces'));
    }
  });

  it('assigns a topic created after the subscription, and revokes a deleted one and forgets its commits', async () => {
    const { t, broker } = setup();
    const c = await t.consumer({ groupId: 'g' });
    const revoked: TopicPartition[] = [];
    await c.subscribe(['later'], { onRevoked: (tps) => void revoked.push(...tps) });
    expect(c.assignment()).toEqual([]);

    await t.admin().createTopics([{ name: 'later', partitions: 2 }]);
    await broker.group('g').requestRebalance();
    expect(c.assignment()).toHaveLength(2);
    await c.commit([{ topic: 'later', partition: 0, offset: 0 }]);

    await t.admin().deleteTopics(['later']);
    await broker.group('g').requestRebalance();
    expect(c.assignment()).toEqual([]);
    expect(revoked).toHaveLength(2);
    expect(broker.committedOffsets('g', 'later')).toEqual([]);
  });

  it('reads a re-created topic from its start, not from the position in the deleted one', async () => {
    const { t, broker } = setup();
    await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
    const p = await t.producer();
    await Promise.all([1, 2, 3].map((i) => p.send({ topic: 'a', key: null, value: v(`old-${i}`) })));
    const c = await t.consumer({ groupId: 'g' });
    await c.subscribe(['a']);
    expect(await drain(c, 3)).toHaveLength(3);

    await t.admin().deleteTopics(['a']);
    await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
    await broker.group('g').requestRebalance();
    await p.send({ topic: 'a', key: null, value: v('new') });

    const got = await drain(c, 1);
    expect(got.map((m) => [m.offset, m.value!.toString()])).toEqual([[0, 'new']]);
  });
});
