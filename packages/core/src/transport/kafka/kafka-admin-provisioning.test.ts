// KafkaAdmin's provisioning calls (vision-flow plan / apply) against a real broker at VF_BROKERS
// (skipped without one): read a topic's partitions, replication and configs, grow it, set configs.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIncrementalAlterConfigs, encodeIncrementalAlterConfigs } from './alter-topic-configs.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe('IncrementalAlterConfigs', () => {
  it('should encode a v0 request with its size prefix and throw a resource error naming the topic', () => {
    const frame = encodeIncrementalAlterConfigs('t', { 'retention.ms': '1000' }, 'vf');
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect(frame.readInt16BE(4)).toBe(44);
    expect(frame.readInt16BE(6)).toBe(0);
    const body = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 42]), Buffer.from([0, 3]), Buffer.from('bad'), Buffer.from([2, 0, 1]), Buffer.from('t')]);
    expect(() => decodeIncrementalAlterConfigs(body)).toThrow(/IncrementalAlterConfigs t: bad/);
  });
});

describe.runIf(brokers)('KafkaAdmin provisioning calls (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-admin-prov-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-admin-prov-test' });
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('should read, grow and reconfigure a topic, and say undefined for a missing one', async () => {
    const admin = transport.admin();
    const names = ['cleanup.policy', 'retention.ms', 'max.message.bytes'];
    expect(await admin.topicState!(topic, names)).toBeUndefined();
    await admin.createTopics([{ name: topic, partitions: 2, compacted: true, maxMessageBytes: 2_000_000 }]);
    const before = await admin.topicState!(topic, names);
    expect(before).toMatchObject({ name: topic, partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact', 'max.message.bytes': '2000000' } });
    await admin.createPartitions!(topic, 3);
    await admin.alterTopicConfigs!(topic, { 'cleanup.policy': 'delete', 'retention.ms': '3600000' });
    const after = await admin.topicState!(topic, names);
    expect(after).toMatchObject({ partitions: 3, configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000', 'max.message.bytes': '2000000' } });
  });
});
