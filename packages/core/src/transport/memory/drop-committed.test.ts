import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker } from './memory-broker.js';
import { MemoryTransport } from './memory-transport.js';
import { drain, v } from './memory-transport.test-setup.js';

// An embedded run's broker drops what every reading group has committed past, so its memory holds
// only what is still to be read however many images pass through (issue #12: a node's memory is
// bounded by its in-flight limits; before this, 2,000 images took 741 MB, 400 took 471 MB).

const transports: MemoryTransport[] = [];
function transport(dropCommitted: boolean, maxTopicBytes?: number): { t: MemoryTransport; broker: MemoryBroker } {
  const t = new MemoryTransport({ dropCommitted, ...(maxTopicBytes === undefined ? {} : { maxTopicBytes }) });
  transports.push(t);
  return { t, broker: t.broker };
}
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

async function fill(t: MemoryTransport, topic: string, n: number, compacted = false): Promise<void> {
  await t.admin().createTopics([{ name: topic, partitions: 1, compacted }]);
  const p = await t.producer();
  for (let i = 0; i < n; i++) await p.send({ topic, partition: 0, key: v(`k${i}`), value: v(`v${i}`) });
}

describe('MemoryBroker with dropCommitted', () => {
  it('drops the records below the lowest offset the reading groups committed, and keeps the offsets', async () => {
    const { t, broker } = transport(true);
    await fill(t, 'a', 6);
    const fast = await t.consumer({ groupId: 'fast' });
    const slow = await t.consumer({ groupId: 'slow' });
    await fast.subscribe(['a']);
    await slow.subscribe(['a']);
    const log = broker.partitionLog('a', 0)!;

    await fast.commit([{ topic: 'a', partition: 0, offset: 5 }]);
    expect(log.logStartOffset, 'slow has not committed: nothing may go').toBe(0);
    await slow.commit([{ topic: 'a', partition: 0, offset: 2 }]);
    expect(log.logStartOffset).toBe(2);
    await slow.commit([{ topic: 'a', partition: 0, offset: 6 }]);
    expect(log.logStartOffset).toBe(5);
    expect(broker.endOffsets('a')).toEqual([{ topic: 'a', partition: 0, offset: 6 }]);
    expect(log.read(0, 10).map((r) => r.offset), 'a read below the log start starts at it').toEqual([5]);
    expect(broker.groupLag('fast').totalLag).toBe(1);

    // A group that joins later starts at the oldest record kept; new records get the next offsets.
    const late = await t.consumer({ groupId: 'late' });
    await late.subscribe(['a']);
    await (await t.producer()).send({ topic: 'a', partition: 0, key: null, value: v('v6') });
    expect((await drain(late, 2)).map((m) => [m.offset, m.value?.toString()])).toEqual([[5, 'v5'], [6, 'v6']]);
  });

  it('keeps every record of a compacted topic and of a topic no group reads', async () => {
    const { t, broker } = transport(true);
    await fill(t, 'changelog', 3, true);
    await fill(t, 'output', 3);
    const c = await t.consumer({ groupId: 'g' });
    await c.subscribe(['changelog']);
    await c.commit([{ topic: 'changelog', partition: 0, offset: 3 }]);
    expect(broker.partitionLog('changelog', 0)!.read(0, 10)).toHaveLength(3);
    expect(broker.partitionLog('output', 0)!.read(0, 10)).toHaveLength(3);
  });

  it('counts a group whose members have left by its committed offsets', async () => {
    const { t, broker } = transport(true);
    await fill(t, 'a', 4);
    const gone = await t.consumer({ groupId: 'gone' });
    await gone.subscribe(['a']);
    await gone.commit([{ topic: 'a', partition: 0, offset: 1 }]);
    await gone.close();
    const stays = await t.consumer({ groupId: 'stays' });
    await stays.subscribe(['a']);
    await stays.commit([{ topic: 'a', partition: 0, offset: 4 }]);
    expect(broker.partitionLog('a', 0)!.logStartOffset, 'the group that left may come back at offset 1').toBe(1);
  });

  it('drops nothing by default', async () => {
    const { t, broker } = transport(false);
    await fill(t, 'a', 3);
    const c = await t.consumer({ groupId: 'g' });
    await c.subscribe(['a']);
    await c.commit([{ topic: 'a', partition: 0, offset: 3 }]);
    expect(broker.partitionLog('a', 0)!.logStartOffset).toBe(0);
    expect(broker.partitionLog('a', 0)!.read(0, 10)).toHaveLength(3);
  });

  it('makes a producer wait while its topic holds the limit unread by a reading group, and keeps the producer\'s order', async () => {
    const { t, broker } = transport(true, 10); // two 5-byte values fill it
    await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
    const reader = await t.consumer({ groupId: 'g' });
    await reader.subscribe(['a']);
    const p = await t.producer();
    const order: string[] = [];
    const sends = ['v0123', 'v1234', 'v2345', 'v3456'].map((s) => p.send({ topic: 'a', key: null, value: v(s) }).then(() => order.push(s)));
    await new Promise((r) => setTimeout(r, 100));
    expect(order, 'the third waits for room').toEqual(['v0123', 'v1234']);
    expect(broker.partitionLog('a', 0)!.bytes).toBe(10);
    expect((await reader.poll(1, 100)).map((m) => m.offset)).toEqual([0]);
    await new Promise((r) => setTimeout(r, 50));
    expect(order, 'one fetched, one more taken').toEqual(['v0123', 'v1234', 'v2345']);
    expect((await drain(reader, 3)).map((m) => m.offset)).toEqual([1, 2, 3]);
    await Promise.all(sends);
    expect(order).toEqual(['v0123', 'v1234', 'v2345', 'v3456']);
    expect(broker.partitionLog('a', 0)!.bytes, 'fetched is not dropped: only committed is').toBe(20);
    await reader.commit([{ topic: 'a', partition: 0, offset: 4 }]);
    expect(broker.partitionLog('a', 0)!.bytes).toBe(0);
  });

  it('never makes a producer wait on a topic no group reads', async () => {
    const { t, broker } = transport(true, 10);
    await fill(t, 'output', 5);
    expect(broker.partitionLog('output', 0)!.highWatermark).toBe(5);
  });

  it('takes records again when the readers of a full topic fetch nothing for 5 s (they may wait on this producer)', async () => {
    const { t } = transport(true, 10);
    await t.admin().createTopics([{ name: 'a', partitions: 1 }]);
    const stuck = await t.consumer({ groupId: 'g' });
    await stuck.subscribe(['a']);
    const p = await t.producer();
    const started = Date.now();
    await Promise.all(['v0123', 'v1234', 'v2345'].map((s) => p.send({ topic: 'a', key: null, value: v(s) })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
  }, 15_000);
});
