// A static member (group.instance.id) fenced by a second member with the same id, against a real
// broker at VF_BROKERS (skipped without one). librdkafka reports the fencing as a bare `_FATAL`, in
// whichever of consume(), a pending commit's result or the error event comes first; every one of
// them must give the same error that says why, so the node stops with a message the user can act on.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import type { TransportConsumer } from '../transport.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('a static member fenced by another with its instance id (real broker)', () => {
  const topic = `t-fenced-${randomUUID().slice(0, 8)}`;
  const transports: KafkaTransport[] = [];
  const connect = async (instanceId?: string) => {
    const t = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-fenced-test', ...(instanceId ? { instanceId } : {}) });
    transports.push(t);
    return t;
  };

  beforeAll(async () => {
    const t = await connect();
    await t.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = await t.producer();
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, partition: i % 2, key: null, value: Buffer.from(`v${i}`) })));
  });
  afterAll(async () => {
    await transports[0]?.admin().deleteTopics([topic]).catch(() => undefined);
    await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
  });

  it('rejects every later poll and commit of the fenced member with one error naming the group, the id and the fix', async () => {
    const groupId = `g-fenced-${randomUUID().slice(0, 8)}`;
    const first = await (await connect('copy-1')).consumer({ groupId, sessionTimeoutMs: 30_000 });
    await first.subscribe([topic]);
    const read = await pollSome(first);
    expect(read.length).toBeGreaterThan(0);
    const last = read[read.length - 1]!;

    const second = await (await connect('copy-1')).consumer({ groupId, sessionTimeoutMs: 30_000 });
    await second.subscribe([topic]);

    // The first copy polls and commits on (as a node does) until the broker's fencing reaches it.
    // Before that a commit may meet the group's own moves; from the fencing on, every failure is the
    // one fenced error, and never librdkafka's bare _FATAL (what consume() used to pass through).
    const errors: unknown[] = [];
    const fenced = (e: unknown) => isVisionFlowError(e) && e.code === 'CONFIG_INVALID';
    const deadline = Date.now() + 60_000;
    while (errors.filter(fenced).length < 4 && Date.now() < deadline) {
      await first.poll(100, 200).catch((e: unknown) => void errors.push(e));
      await first.commit([{ topic: last.topic, partition: last.partition, offset: last.offset + 1 }]).catch((e: unknown) => void errors.push(e));
    }
    const from = errors.findIndex(fenced);
    expect(from, `the fenced copy fails within 60 s; errors: ${errors.map(String).join('; ')}`).toBeGreaterThanOrEqual(0);
    for (const e of errors.slice(0, from)) expect(isVisionFlowError(e) && e.code, String(e)).not.toBe('KAFKA_FATAL');
    for (const e of errors.slice(from)) {
      expect(isVisionFlowError(e) && e.code, String(e)).toBe('CONFIG_INVALID');
      expect(String(e)).toContain(`joined group "${groupId}" with the same instance id "copy-1"`);
      expect(String(e)).toContain('give each running copy its own --instance-id / VF_INSTANCE_ID');
    }
    expect(errors.length - from, 'later polls and commits fail too').toBeGreaterThanOrEqual(4);
    // The second copy, the live member, reads on.
    expect((await pollSome(second)).length).toBeGreaterThan(0);
  }, 120_000);
});

async function pollSome(c: TransportConsumer) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const msgs = await c.poll(100, 500);
    if (msgs.length > 0 || Date.now() > deadline) return msgs;
  }
}
