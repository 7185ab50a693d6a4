import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/config-error.js';
import { bootstrapServers, consumerConfig, producerConfig } from './kafka-config.js';

describe('kafka-config', () => {
  it('should accept host:port lists as a string or an array', () => {
    expect(bootstrapServers(' 127.0.0.1:9092, kafka-1:9093 ')).toBe('127.0.0.1:9092,kafka-1:9093');
    expect(bootstrapServers(['[::1]:9092', 'b:1'])).toBe('[::1]:9092,b:1');
  });

  it.each(['', 'localhost', 'host:port', ':9092'])('should reject the broker list %j eagerly', (brokers) => {
    expect(() => bootstrapServers(brokers)).toThrow(ConfigError);
  });

  it('should make an idempotent acks=all producer with the Java partitioner and room for 10 MB images', () => {
    const c = producerConfig({ brokers: 'b:9092' });
    expect(c).toMatchObject({ 'enable.idempotence': true, acks: 'all', partitioner: 'murmur2_random', dr_cb: true, 'allow.auto.create.topics': false });
    expect(c['message.max.bytes']).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('should make a cooperative consumer with manual commits and bounded prefetch', () => {
    const { global, topic } = consumerConfig({ brokers: 'b:9092', prefetchKBytes: 4096 }, { groupId: 'node-a', autoOffsetReset: 'latest', sessionTimeoutMs: 6000 });
    expect(global).toMatchObject({
      'group.id': 'node-a', 'enable.auto.commit': false, 'enable.auto.offset.store': false,
      'partition.assignment.strategy': 'cooperative-sticky', 'queued.max.messages.kbytes': 4096, 'fetch.max.bytes': 4096 * 1024,
      'session.timeout.ms': 6000, 'heartbeat.interval.ms': 250,
    });
    expect(topic).toEqual({ 'auto.offset.reset': 'latest' });
  });

  it('should let explicit librdkafka settings win', () => {
    expect(producerConfig({ brokers: 'b:9092', librdkafka: { 'linger.ms': 0 } })['linger.ms']).toBe(0);
  });

  it('should take the session timeout from the consumer, else the transport, else 45 s, within the broker\'s bounds', () => {
    const opts = { brokers: 'b:1' };
    expect(consumerConfig(opts, { groupId: 'g' }).global['session.timeout.ms']).toBe(45_000);
    expect(consumerConfig({ ...opts, sessionTimeoutMs: 10_000 }, { groupId: 'g' }).global['session.timeout.ms']).toBe(10_000);
    expect(consumerConfig({ ...opts, sessionTimeoutMs: 10_000 }, { groupId: 'g', sessionTimeoutMs: 7_000 }).global['session.timeout.ms']).toBe(7_000);
    // Heartbeats every 250 ms, well within a third of the shortest session the broker allows.
    expect(consumerConfig({ ...opts, sessionTimeoutMs: 6_000 }, { groupId: 'g' }).global['heartbeat.interval.ms']).toBe(250);
    expect(() => consumerConfig({ ...opts, sessionTimeoutMs: 2_000 }, { groupId: 'g' })).toThrow(/session timeout must be 6000–1800000 ms.*got 2000/);
  });

  it('should join as a static member (group.instance.id) only when an instance id is given', () => {
    expect(consumerConfig({ brokers: 'b:1' }, { groupId: 'g' }).global).not.toHaveProperty('group.instance.id');
    expect(consumerConfig({ brokers: 'b:1', instanceId: 'host-7' }, { groupId: 'g' }).global['group.instance.id']).toBe('host-7');
  });

  it('should refuse a consumer without a group', () => {
    expect(() => consumerConfig({ brokers: 'b:9092' }, { groupId: '' })).toThrow(ConfigError);
  });
});
