import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, KafkaTransport, PoisonRecordError, type IncomingMessage, type TopicPartition, type TransportConsumer } from '@vision-flow/core';
import { murmur2Partition } from '@vision-flow/core/testing';
import { kafkaBrokers } from '../helpers/kafka-env.js';
import { describeTransportConformance } from './transport.conformance.js';

// The shared suite: the same behaviour as the memory transport, on a real broker.
describeTransportConformance('kafka', () => KafkaTransport.connect({ brokers: kafkaBrokers(), clientId: 'vf-conformance' }), { slow: true });

// Kafka-specific behaviour the shared suite cannot see: real group rebalances, commits surviving a
// restart, librdkafka's pause/resume, wire-level errors. Needs a broker at VF_BROKERS.

const name = (prefix = 't') => `${prefix}-${randomUUID().slice(0, 8)}`;
const values = (msgs: readonly IncomingMessage[]) => msgs.map((m) => m.value?.toString());
const byPartition = (a: TopicPartition, b: TopicPartition) => a.partition - b.partition;

/** Polls until `done(all messages so far)` holds; fails after `timeoutMs`. */
async function pollUntil(c: TransportConsumer, done: (all: IncomingMessage[]) => boolean, timeoutMs = 20_000): Promise<IncomingMessage[]> {
  const all: IncomingMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all)) {
    if (Date.now() > deadline) throw new Error(`pollUntil: condition not met after ${timeoutMs} ms with ${all.length} messages`);
    all.push(...(await c.poll(500, 200)));
  }
  return all;
}

/** Polls every consumer round-robin until `done()` holds (rebalances only progress while polling). */
async function pollAllUntil(cs: readonly TransportConsumer[], done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`pollAllUntil: condition not met after ${timeoutMs} ms`);
    await Promise.all(cs.map((c) => c.poll(100, 100)));
  }
}

describe('KafkaTransport against a real broker', () => {
  let transport: KafkaTransport;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: kafkaBrokers(), clientId: 'vf-kafka-test' });
  });
  afterAll(async () => {
    await transport?.close();
  });

  it('fails fast with a ConnectionError naming the address when no broker listens', async () => {
    const started = Date.now();
    const err = await KafkaTransport.connect({ brokers: '127.0.0.1:1', connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).message).toContain('127.0.0.1:1');
    expect((err as ConnectionError).retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('creates topics idempotently and describes partitions and compaction', async () => {
    const admin = transport.admin();
    const [plain, compacted] = [name(), name('changelog')];
    await admin.createTopics([{ name: plain, partitions: 3, retentionMs: 3_600_000 }, { name: compacted, partitions: 2, compacted: true }]);
    await admin.createTopics([{ name: plain, partitions: 5 }]); // exists: left alone
    expect(await admin.describeTopic(plain)).toEqual({ name: plain, partitions: 3, compacted: false });
    expect(await admin.describeTopic(compacted)).toEqual({ name: compacted, partitions: 2, compacted: true });
    expect(await admin.describeTopic(name('missing'))).toBeUndefined();
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([plain, compacted]));
    await admin.deleteTopics([plain, compacted, name('never-existed')]);
    expect(await admin.listTopics()).not.toContain(plain);
  });

  it('puts a key on the partition the Java client picks, and keeps key, value, headers and timestamp', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 6 }]);
    const producer = await transport.producer();
    const key = Buffer.from('camera-42');
    const report = await producer.send({ topic, key, value: Buffer.from('v1'), headers: { 'vf-trace-id': 'abc' }, timestamp: 1_700_000_000_123 });
    expect(report).toEqual({ topic, partition: murmur2Partition(key, 6), offset: 0 });
    expect(await transport.admin().endOffsets(topic)).toEqual(
      Array.from({ length: 6 }, (_, partition) => ({ topic, partition, offset: partition === report.partition ? 1 : 0 })),
    );

    const consumer = await transport.consumer({ groupId: name('g') });
    await consumer.subscribe([topic]);
    const [m] = await pollUntil(consumer, (all) => all.length >= 1);
    expect(m).toEqual({ topic, partition: report.partition, offset: 0, key, value: Buffer.from('v1'), headers: { 'vf-trace-id': 'abc' }, timestamp: 1_700_000_000_123 });
    await consumer.close();
    await producer.close();
  });

  it('keeps empty keys and values apart from null ones', async () => {
    // The binding sends a zero-length Buffer as null unless it has a data pointer; the producer backs it.
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.producer();
    await producer.send({ topic, key: null, value: null });
    await producer.send({ topic, key: Buffer.alloc(0), value: Buffer.alloc(0) });
    const consumer = await transport.consumer({ groupId: name('g') });
    await consumer.subscribe([topic]);
    const got = await pollUntil(consumer, (all) => all.length >= 2);
    expect(got.map((m) => [m.key, m.value])).toEqual([[null, null], [Buffer.alloc(0), Buffer.alloc(0)]]);
    await consumer.close();
    await producer.close();
  });

  it('throws a failing rebalance listener from the next poll, and the group goes on', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 2 }]);
    const consumer = await transport.consumer({ groupId: name('g') });
    await consumer.subscribe([topic], { onAssigned: () => { throw new Error('restore failed'); } });
    await expect(consumer.poll(10, 100)).rejects.toMatchObject({ code: 'REBALANCE_LISTENER_FAILED', retriable: false });
    expect(consumer.assignment()).toHaveLength(2);
    expect(await consumer.poll(10, 100)).toEqual([]);
    await consumer.close();
  });

  it('refuses work after close with the *_CLOSED codes, and bad arguments with INVALID_ARGUMENT', async () => {
    const own = await KafkaTransport.connect({ brokers: kafkaBrokers() });
    const topic = name();
    await own.admin().createTopics([{ name: topic, partitions: 1 }]);
    const consumer = await own.consumer({ groupId: name('g') });
    const producer = await own.producer();
    await expect(consumer.poll(0, 100)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(consumer.commit([{ topic, partition: 0, offset: -1 }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(producer.send({ topic, key: null, value: null, timestamp: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(own.admin().createTopics([{ name: 'bad name!', partitions: 1 }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await own.close();
    await expect(consumer.poll(10, 100)).rejects.toMatchObject({ code: 'CONSUMER_CLOSED' });
    await expect(producer.send({ topic, key: null, value: null })).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
    await expect(own.admin().listTopics()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(own.producer()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('spreads null keys round robin over the partitions', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 3 }]);
    const producer = await transport.producer();
    const reports = await Promise.all(Array.from({ length: 9 }, (_, i) => producer.send({ topic, key: null, value: Buffer.from(String(i)) })));
    const counts = [0, 1, 2].map((p) => reports.filter((r) => r.partition === p).length);
    expect(counts).toEqual([3, 3, 3]);
    await producer.close();
  });

  it('rejects a record larger than the topic allows with a non-retriable MESSAGE_TOO_LARGE', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 1, maxMessageBytes: 2_000 }]);
    const producer = await transport.producer();
    const err = await producer.send({ topic, key: null, value: Buffer.alloc(50_000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect(err).toMatchObject({ code: 'MESSAGE_TOO_LARGE', retriable: false });
    // Beyond the client's own limit (16 MiB) it fails before leaving the process.
    const local = await producer.send({ topic, key: null, value: Buffer.alloc(17 * 1024 * 1024) }).catch((e: unknown) => e);
    expect(local).toMatchObject({ code: 'MESSAGE_TOO_LARGE', retriable: false });
    await producer.close();
  });

  it('carries a 10 MB image on a topic that allows it', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 1, maxMessageBytes: 12 * 1024 * 1024 }]);
    const producer = await transport.producer();
    const image = Buffer.alloc(10 * 1024 * 1024, 7);
    await producer.send({ topic, key: Buffer.from('k'), value: image });
    const consumer = await transport.consumer({ groupId: name('g') });
    await consumer.subscribe([topic]);
    const [m] = await pollUntil(consumer, (all) => all.length >= 1);
    expect(m?.value?.equals(image)).toBe(true);
    await consumer.close();
    await producer.close();
  });

  it('resumes at the committed offset after a restart', async () => {
    const topic = name();
    const groupId = name('g');
    await transport.admin().createTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.producer();
    for (let i = 0; i < 10; i++) await producer.send({ topic, key: null, value: Buffer.from(`m${i}`), partition: 0 });

    const first = await transport.consumer({ groupId });
    await first.subscribe([topic]);
    expect(values(await pollUntil(first, (all) => all.length >= 10))).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    // No poll is running: the commit still completes, and only once the coordinator has it.
    await first.commit([{ topic, partition: 0, offset: 4 }]);
    expect(await transport.admin().committedOffsets(groupId, topic)).toEqual([{ topic, partition: 0, offset: 4 }]);
    await first.close();

    const second = await transport.consumer({ groupId });
    await second.subscribe([topic]);
    const again = await pollUntil(second, (all) => all.length >= 6);
    expect(again.map((m) => m.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    await second.close();

    // autoOffsetReset only applies without a commit: a fresh group told `latest` sees nothing old.
    const late = await transport.consumer({ groupId: name('g'), autoOffsetReset: 'latest' });
    await late.subscribe([topic]);
    await pollAllUntil([late], () => late.assignment().length === 1);
    expect(await late.poll(10, 500)).toEqual([]);
    await producer.send({ topic, key: null, value: Buffer.from('new'), partition: 0 });
    expect(values(await pollUntil(late, (all) => all.length >= 1))).toEqual(['new']);
    await late.close();
    await producer.close();
  });

  it('stops a paused partition and hands out what followed, in order, after resume', async () => {
    const topic = name();
    await transport.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = await transport.producer();
    const send = (partition: number, from: number, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, key: null, value: Buffer.from(`p${partition}-${from + i}`), partition })));

    const consumer = await transport.consumer({ groupId: name('g') });
    await consumer.subscribe([topic]);
    await send(0, 0, 3);
    await pollUntil(consumer, (all) => all.length >= 3);

    consumer.pause([{ topic, partition: 0 }]);
    await send(0, 3, 5);
    await send(1, 0, 2);
    const whilePaused = await pollUntil(consumer, (all) => all.length >= 2);
    expect(values(whilePaused)).toEqual(['p1-0', 'p1-1']);
    expect(await consumer.poll(100, 1_000)).toEqual([]); // partition 0 has 5 records waiting

    consumer.resume([{ topic, partition: 0 }]);
    const after = await pollUntil(consumer, (all) => all.length >= 5);
    expect(values(after)).toEqual(['p0-3', 'p0-4', 'p0-5', 'p0-6', 'p0-7']);
    await consumer.close();
    await producer.close();
  });

  it('splits partitions between two members of a group, committing on revoke before they move', async () => {
    const topic = name();
    const groupId = name('g');
    const admin = transport.admin();
    await admin.createTopics([{ name: topic, partitions: 6 }]);
    const producer = await transport.producer();
    await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })));

    const events: string[] = [];
    const read = new Map<number, number>(); // partition -> next offset c1 has read
    const c1 = await transport.consumer({ groupId, clientId: 'c1' });
    await c1.subscribe([topic], {
      onAssigned: (tps) => void events.push(`c1 assigned ${tps.length}`),
      onRevoked: async (tps) => {
        events.push(`c1 revoking ${tps.length}`);
        await new Promise((r) => setTimeout(r, 300)); // in-flight work finishing: the partitions must wait
        await c1.commit(tps.filter((tp) => read.has(tp.partition)).map((tp) => ({ ...tp, offset: read.get(tp.partition)! })));
        events.push(`c1 revoked ${tps.length}`);
      },
    });
    const all = await pollUntil(c1, (msgs) => msgs.length >= 60);
    for (const m of all) read.set(m.partition, m.offset + 1);
    expect(c1.assignment()).toHaveLength(6);

    const c2 = await transport.consumer({ groupId, clientId: 'c2' });
    await c2.subscribe([topic], { onAssigned: (tps) => void events.push(`c2 assigned ${tps.length}`) });
    await pollAllUntil([c1, c2], () => c1.assignment().length > 0 && c2.assignment().length > 0 && c1.assignment().length + c2.assignment().length === 6);

    const owned = [...c1.assignment(), ...c2.assignment()].sort(byPartition);
    expect(owned.map((tp) => tp.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.indexOf('c2 assigned 3')).toBeGreaterThan(events.indexOf('c1 revoked 3'));
    // What c1 committed on revoke is where c2 starts: it reads nothing twice.
    const committed = await admin.committedOffsets(groupId, topic);
    for (const tp of c2.assignment()) expect(committed.find((c) => c.partition === tp.partition)?.offset).toBe(read.get(tp.partition));
    expect(await c2.poll(100, 1_000)).toEqual([]);

    // Closing one member hands its partitions to the other well before the session timeout.
    const started = Date.now();
    await c2.close();
    await pollAllUntil([c1], () => c1.assignment().length === 6, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    await c1.close();
    expect(events.at(-1)).toBe('c1 revoked 6'); // close revokes through the listener too
    await producer.close();
  });
});
