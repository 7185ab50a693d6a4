import { randomUUID } from 'node:crypto';
import { ConfigError } from '../../errors/config-error.js';
import type { ConsumerOptions, ProducerOptions } from '../transport.js';
import type { ConsumerGlobalConfig, ConsumerTopicConfig, GlobalConfig, ProducerGlobalConfig } from './rdkafka.js';

/** A librdkafka property value; see librdkafka's CONFIGURATION.md. */
export type LibrdkafkaValue = string | number | boolean;

export interface KafkaTransportOptions {
  /** Bootstrap servers: `host:port`, a comma-separated list, or an array. */
  readonly brokers: string | readonly string[];
  /** Prefix of every client's `client.id`, so broker logs and quotas can tell nodes apart. */
  readonly clientId?: string;
  /** How long the first contact with the cluster may take before a ConnectionError; ms. */
  readonly connectTimeoutMs?: number;
  /** Timeout of each admin request; ms. */
  readonly requestTimeoutMs?: number;
  /** Replication factor of created topics; -1 (default) takes the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /**
   * Upper bound of records a consumer holds fetched but not yet polled, in KiB. A paused or slow
   * node stops fetching once it is reached, so lag grows on the broker, not in memory.
   */
  readonly prefetchKBytes?: number;
  /**
   * How long a group waits for a silent member (a killed process) before moving its partitions
   * to the others; ms, default 45000. Shorter means faster recovery after a crash, and more
   * false alarms on a long GC pause. The broker accepts 6000–1800000 by default
   * (group.min/max.session.timeout.ms). A consumer's own `sessionTimeoutMs` wins.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Static membership (KIP-345): every consumer of this transport joins its group with this
   * `group.instance.id`. A member restarted with the same id within the session timeout gets its
   * partitions back at once, without a rebalance; a member that stops does not leave the group,
   * so its partitions wait for its return until the session times out. Two running copies with
   * one id fence each other: give each copy of a node its own.
   */
  readonly instanceId?: string;
  /** Extra librdkafka properties (security, tuning) for every client; they win over ours. */
  readonly librdkafka?: Readonly<Record<string, LibrdkafkaValue>>;
}

export const KAFKA_DEFAULTS = {
  clientId: 'vision-flow',
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  replicationFactor: -1,
  prefetchKBytes: 16_384,
  sessionTimeoutMs: 45_000,
} as const;

/** The broker's default bounds of a consumer's session timeout (group.min/max.session.timeout.ms). */
const MIN_SESSION_TIMEOUT_MS = 6_000;
const MAX_SESSION_TIMEOUT_MS = 1_800_000;

/** Largest record a producer sends: a ~10 MB image plus key, headers and batch overhead. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The bootstrap list as librdkafka takes it, checked eagerly so a typo fails at construction. */
export function bootstrapServers(brokers: string | readonly string[]): string {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter((b) => b !== '');
  if (list.length === 0) throw new ConfigError('kafka: brokers is empty; give host:port, e.g. 127.0.0.1:9092', { option: 'brokers' });
  for (const b of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(b)) {
      throw new ConfigError(`kafka: broker "${b}" is not host:port`, { option: 'brokers', value: b });
    }
  }
  return list.join(',');
}

/** Settings shared by producers, consumers and the admin client. */
export function commonConfig(opts: KafkaTransportOptions, role: string, clientId?: string): GlobalConfig {
  return {
    'bootstrap.servers': bootstrapServers(opts.brokers),
    // Names the node in broker logs, quotas and `kafka-consumer-groups --describe`.
    'client.id': clientId ?? `${opts.clientId ?? KAFKA_DEFAULTS.clientId}-${role}`,
    // A dead address fails the first request within the connect timeout instead of librdkafka's 30 s.
    'socket.connection.setup.timeout.ms': opts.connectTimeoutMs ?? KAFKA_DEFAULTS.connectTimeoutMs,
    // Small frames (commits, heartbeats, single images) go out at once; matters for the 20 ms ingest target.
    'socket.nagle.disable': true,
    // Idle connections closed by the broker are normal; do not log them as errors.
    'log.connection.close': false,
    // Warnings and worse only; librdkafka's info lines would flood node logs.
    log_level: 4,
  };
}

/** The idempotent, acks=all producer every node writes with. */
export function producerConfig(opts: KafkaTransportOptions, p: ProducerOptions = {}): ProducerGlobalConfig {
  return {
    ...commonConfig(opts, 'producer', p.clientId),
    // No duplicates or reordering from the client's own retries; implies acks=all and bounded in-flight.
    'enable.idempotence': true,
    // A write counts only once every in-sync replica has it: at-least-once needs durable outputs.
    acks: 'all',
    // Java client's key hash, so Kafka, the memory transport and Java/Kafka Streams apps agree on partitions.
    partitioner: 'murmur2_random',
    // Images up to ~10 MB travel as single records; the topic's max.message.bytes must allow them too.
    'message.max.bytes': MAX_MESSAGE_BYTES,
    // A few ms of batching gives most of the throughput. A producer that answers each send (a source
    // node: HTTP ingest answers its 202 on that) does not linger: its latency is what a client sees,
    // and with linger.ms 1 librdkafka's broker thread picks a lone message up 2-4 ms later, not 1.
    // Under load it still batches what queues while requests are in flight (idempotence allows 5).
    'linger.ms': p.acknowledge === 'each' ? 0 : 5,
    // Bounds what the producer holds unacknowledged (room for a few 16 MiB images). A node's record
    // is done once its outputs are taken (acknowledged at the next commit's checkpoint), so when the
    // broker falls behind this fills, sends wait in the producer's backlog (QUEUE_FULL), their records
    // stay in flight, and the node stops pulling: the pace reaches the input again.
    'queue.buffering.max.kbytes': 65_536,
    // Topics are declared and created by the topology; a typo must not auto-create a 1-partition topic.
    'allow.auto.create.topics': false,
    // How long a send waits for an unknown topic to appear before failing with UNKNOWN_TOPIC (default 30 s).
    // createTopics returns only once metadata shows the topic, so a short wait is enough.
    'topic.metadata.propagation.max.ms': 3_000,
    // One delivery report per message, which resolves that send()'s promise; or, when a checkpoint
    // (a flush) says what is durable, reports of failures only.
    dr_cb: true,
    ...(p.acknowledge === 'checkpoint' ? { 'delivery.report.only.error': true } : {}),
    // librdkafka batches up to 1 MB per partition; a topic that takes less would refuse a whole batch of small records.
    ...(p.maxBatchBytes !== undefined ? { 'batch.size': Math.max(1, Math.min(1_000_000, Math.floor(p.maxBatchBytes))) } : {}),
    ...opts.librdkafka,
  } as ProducerGlobalConfig;
}

/** A pull-based group member with manual, explicit commits and bounded prefetch. */
export function consumerConfig(opts: KafkaTransportOptions, c: ConsumerOptions): { global: ConsumerGlobalConfig; topic: ConsumerTopicConfig } {
  if (!c.groupId) throw new ConfigError('kafka consumer: groupId is required', { option: 'groupId' });
  const prefetchKBytes = opts.prefetchKBytes ?? KAFKA_DEFAULTS.prefetchKBytes;
  if (!(prefetchKBytes >= 1024)) throw new ConfigError(`kafka: prefetchKBytes must be at least 1024, got ${prefetchKBytes}`, { option: 'prefetchKBytes' });
  const sessionTimeoutMs = c.sessionTimeoutMs ?? opts.sessionTimeoutMs ?? KAFKA_DEFAULTS.sessionTimeoutMs;
  if (!(Number.isInteger(sessionTimeoutMs) && sessionTimeoutMs >= MIN_SESSION_TIMEOUT_MS && sessionTimeoutMs <= MAX_SESSION_TIMEOUT_MS)) {
    throw new ConfigError(`kafka: session timeout must be ${MIN_SESSION_TIMEOUT_MS}–${MAX_SESSION_TIMEOUT_MS} ms (the broker's default group.min/max.session.timeout.ms), got ${sessionTimeoutMs}`, { option: 'sessionTimeoutMs' });
  }
  const global: ConsumerGlobalConfig = {
    ...commonConfig(opts, `consumer-${c.groupId}`, c.clientId),
    'group.id': c.groupId,
    // The runtime commits only offsets whose outputs are acknowledged; nothing may commit behind its back.
    'enable.auto.commit': false,
    // Nor may librdkafka advance the stored offset when poll returns a message.
    'enable.auto.offset.store': false,
    // Incremental rebalances: members keep their other partitions (and in-flight work) while one moves.
    // Co-partitioned groups need partition i of every topic on one member, which only range gives
    // (same partition counts, same subscriptions, members sorted the same for every topic); range is eager.
    'partition.assignment.strategy': c.copartitioned ? 'range' : 'cooperative-sticky',
    'session.timeout.ms': sessionTimeoutMs,
    ...(opts.instanceId !== undefined ? { 'group.instance.id': opts.instanceId } : {}),
    // Members learn of a rebalance on their next heartbeat, and a member joining takes two cooperative
    // rounds: each costs up to one interval. 250 ms (Java: 3 s) hands a new replica its partitions
    // within about a second, for four small requests a second (the patched librdkafka keeps to it).
    'heartbeat.interval.ms': Math.max(100, Math.min(250, Math.floor(sessionTimeoutMs / 3))),
    // Bounded prefetch: at most this many KiB fetched but not yet polled (may be overshot by one fetch).
    'queued.max.messages.kbytes': prefetchKBytes,
    // ...and at most this many records; librdkafka's default of 100000 would hold 100 MB of 1 KB records.
    'queued.min.messages': 10_000,
    // One fetch response may carry a few large images but no more than the prefetch bound.
    'fetch.max.bytes': Math.min(prefetchKBytes * 1024, 52_428_800),
    // With small queue bounds the default 1 s back-off would stall a node that just caught up.
    'fetch.queue.backoff.ms': 50,
    // The broker answers a fetch within 100 ms even when it has little, keeping end-to-end latency low.
    'fetch.wait.max.ms': 100,
    // Our rebalance_cb is added by KafkaConsumer; it does the incremental assign/unassign itself.
    ...opts.librdkafka,
  } as ConsumerGlobalConfig;
  const topic: ConsumerTopicConfig = {
    // Where a partition without a committed offset starts.
    'auto.offset.reset': c.autoOffsetReset ?? 'earliest',
  };
  return { global, topic };
}

/** A group-less reader of explicit partitions (`assign()`): it never joins a group nor commits. */
export function readerConfig(opts: KafkaTransportOptions, clientId?: string): { global: ConsumerGlobalConfig; topic: ConsumerTopicConfig } {
  const global = {
    ...commonConfig(opts, 'reader', clientId),
    // librdkafka wants a group id even for assign(); a unique one that never joins or commits.
    'group.id': `vision-flow-reader-${randomUUID()}`,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'fetch.wait.max.ms': 100,
    ...opts.librdkafka,
  } as ConsumerGlobalConfig;
  // An assigned offset that retention has deleted reads on from the log start, never jumps to the end
  // (librdkafka's default, 'latest', would skip every record kept).
  return { global, topic: { 'auto.offset.reset': 'earliest' } };
}

/** The admin client only needs the common settings. */
export function adminConfig(opts: KafkaTransportOptions): GlobalConfig {
  return { ...commonConfig(opts, 'admin'), ...opts.librdkafka } as GlobalConfig;
}
