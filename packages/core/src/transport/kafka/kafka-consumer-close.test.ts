// Closing a group member on a real broker (VF_BROKERS; skipped without one). librdkafka's close
// hands the member's last revocation to the rebalance callback and waits, on a libuv thread, until
// it is answered; one left unanswered kept that thread, and so the exit of the whole process,
// waiting forever (a co-partitioned node stopped by SIGTERM in CI).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../transport.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('closing a KafkaConsumer that owns partitions (real broker)', () => {
  let transport: KafkaTransport;
  const topics = [`t-close-a-${randomUUID().slice(0, 8)}`, `t-close-b-${randomUUID().slice(0, 8)}`];

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-close-test' });
    await transport.admin().createTopics(topics.map((name) => ({ name, partitions: 2 })));
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics(topics).catch(() => undefined);
    await transport?.close();
  });

  it('answers the final revocation of a co-partitioned (eager) member even when the handle no longer names its protocol', async () => {
    // The binding answers rebalanceProtocol() with "NONE" once disconnect() has begun; in CI a
    // revocation served by a consume() still under way was then answered the cooperative way,
    // librdkafka refused it, and its close waited for an answer forever.
    const consumer = await transport.consumer({ groupId: `g-close-${randomUUID().slice(0, 8)}`, copartitioned: true });
    await consumer.subscribe(topics);
    const deadline = Date.now() + 60_000;
    while (consumer.assignment().length < 4) {
      if (Date.now() > deadline) throw new Error('no full assignment after 60 s');
      await consumer.poll(10, 100);
    }
    (consumer as unknown as { handle: { current: { rebalanceProtocol: () => string } } }).handle.current.rebalanceProtocol = () => 'NONE';
    await expect(consumer.close()).resolves.toBeUndefined();
  }, 90_000);

  for (const copartitioned of [true, false]) {
    it(`leaves the group and releases its handle (${copartitioned ? 'co-partitioned: range assignor, eager' : 'cooperative-sticky'})`, async () => {
      const groupId = `g-close-${randomUUID().slice(0, 8)}`;
      const consumer = await transport.consumer({ groupId, copartitioned });
      const revoked: TopicPartition[] = [];
      await consumer.subscribe(topics, { onRevoked: (tps) => void revoked.push(...tps) });
      const deadline = Date.now() + 60_000;
      while (consumer.assignment().length < 4) {
        if (Date.now() > deadline) throw new Error(`no full assignment after 60 s: ${JSON.stringify(consumer.assignment())}`);
        await consumer.poll(10, 100);
      }

      // Rejects with a TimeoutError if librdkafka's close is still waiting after 15 s.
      await expect(consumer.close()).resolves.toBeUndefined();
      expect(revoked.map((tp) => `${tp.topic}/${tp.partition}`).sort()).toEqual(topics.flatMap((t) => [`${t}/0`, `${t}/1`]).sort());
    }, 90_000);
  }
});
