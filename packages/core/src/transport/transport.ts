import type { Headers } from '../records/headers.js';

/**
 * The broker seen by the runtime. Two implementations pass one conformance suite
 * (test/conformance/transport.conformance.ts): `memory`, the embedded default, and `kafka`.
 * Everything here speaks bytes; serdes live above it.
 */
export interface Transport {
  readonly kind: 'memory' | 'kafka';
  /** Human-readable address for errors and logs, e.g. `127.0.0.1:9092` or `memory`. */
  readonly address: string;
  admin(): TransportAdmin;
  producer(opts?: ProducerOptions): Promise<TransportProducer>;
  consumer(opts: ConsumerOptions): Promise<TransportConsumer>;
  /**
   * A consumer outside any group that reads the partitions it is told, from the offsets it is told:
   * for restoring stores from changelogs and for `vision-flow tail`. Commits nothing.
   */
  reader?(opts?: { clientId?: string }): Promise<TransportReader>;
  /** Closes every producer, consumer and admin this transport made. */
  close(): Promise<void>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `offset` is the next offset to read, as Kafka commits it. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Log compaction (`cleanup.policy=compact`, or `compact,delete` with a retentionMs), as for changelog topics. */
  readonly compacted?: boolean;
  readonly retentionMs?: number;
  /** Largest record the topic takes; image topics need several MB. */
  readonly maxMessageBytes?: number;
}

export interface OutgoingMessage {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
  /** Event time in epoch ms (Kafka CreateTime); defaults to now. */
  readonly timestamp?: number;
  /** Explicit partition; otherwise murmur2(key) like the Java client, or round robin for a null key. */
  readonly partition?: number;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

export interface DeliveryReport extends TopicPartitionOffset {}

/** How `produce` reports: an error when the message will never be written, else its report. */
export type DeliveryCallback = (error: Error | undefined, report: DeliveryReport | undefined) => void;

export interface ProducerOptions {
  readonly clientId?: string;
  /**
   * When a write counts as done. `each` (default): every `produce`/`send` is answered once the
   * broker acknowledged it. `checkpoint`: `produce` is answered once the client has taken the
   * message (possibly inside the call), and `checkpoint()` says when everything taken so far is
   * acknowledged — Kafka Streams' flush-before-commit, which spares a delivery report per message.
   */
  readonly acknowledge?: 'each' | 'checkpoint';
  /**
   * The largest batch the producer may send to one partition, in bytes: no more than the smallest
   * maxMessageBytes of the topics it writes, which a broker compares with the whole batch, not each
   * record. (A single larger message still goes alone, up to the topic's limit.)
   */
  readonly maxBatchBytes?: number;
}

export interface TransportProducer {
  /**
   * Resolves once the broker acknowledged the write with acks=all (idempotent producer); rejects
   * with a VisionFlowError when it will never be written (retries are the client's, inside):
   * `UNKNOWN_TOPIC` (topics are never auto-created), `MESSAGE_TOO_LARGE` (over the topic's
   * maxMessageBytes; not retriable), `UNKNOWN_PARTITION`. Never settles inside the call. With
   * `acknowledge: 'checkpoint'` it waits for a checkpoint, and its report has no offset (-1).
   */
  send(msg: OutgoingMessage): Promise<DeliveryReport>;
  /**
   * `send` with a callback instead of a promise, for a node's hot path, where a promise per record
   * and its continuations cost more than the write itself. Same guarantees and errors; the callback
   * runs exactly once, never inside the call — except with `acknowledge: 'checkpoint'`, where it
   * answers when the client took the message, and may do so inside the call.
   */
  produce(msg: OutgoingMessage, onDelivery: DeliveryCallback): void;
  /** Waits until every message sent so far is acknowledged or failed. */
  flush(timeoutMs?: number): Promise<void>;
  /**
   * With `acknowledge: 'checkpoint'`: resolves once every message taken before the call is
   * acknowledged by the broker. Rejects with the first failure since the previous checkpoint when
   * a taken message was lost (the caller must not commit what produced it: it reads its input again),
   * or with a TimeoutError when the broker did not acknowledge in time (nothing lost; try again).
   * Absent where writes are durable once taken (the memory transport).
   */
  checkpoint?(): Promise<void>;
  /**
   * Resolves once every message taken so far is acknowledged, without holding sends back as
   * `checkpoint` does: with `acknowledge: 'checkpoint'`, at the end of the next checkpoint that
   * starts after the call (one starts within a second if no commit starts one); rejects when a
   * taken message may be lost. Absent where writes are durable once taken (the memory transport).
   */
  durable?(): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly clientId?: string;
  /** Where a partition without a committed offset starts: `earliest` (default) or `latest`. */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** How long the group waits for a silent member before moving its partitions; ms. */
  readonly sessionTimeoutMs?: number;
  /**
   * Partition i of every subscribed topic goes to the same member, as Kafka Streams assigns tasks:
   * a node that joins or aggregates several topics by key in a store then sees all of a key's
   * records in one task. The memory transport always does this; on Kafka it selects the range
   * assignor (eager rebalances: every member gives all its partitions back on each rebalance), as
   * librdkafka's cooperative-sticky assignor spreads the partitions of each topic independently.
   */
  readonly copartitioned?: boolean;
}

/**
 * Called around cooperative rebalances. `onRevoked` runs before the partitions move: the runtime
 * finishes or drops their in-flight work and commits what is complete, then resolves.
 */
export interface RebalanceListener {
  onAssigned?(partitions: readonly TopicPartition[]): void | Promise<void>;
  onRevoked?(partitions: readonly TopicPartition[]): void | Promise<void>;
}

/**
 * A pull-based group member: records arrive only when the runtime asks with `poll`, so a full node
 * simply stops asking and consumer lag, not memory, grows.
 */
export interface TransportConsumer {
  subscribe(topics: readonly string[], listener?: RebalanceListener): Promise<void>;
  /**
   * Up to `max` messages from assigned, unpaused partitions, in offset order per partition; waits
   * up to `timeoutMs` for the first one and returns [] if none came.
   */
  poll(max: number, timeoutMs: number): Promise<IncomingMessage[]>;
  /**
   * Ends the poll waiting now, if any, early: it returns what it has, possibly nothing (Kafka's
   * `KafkaConsumer.wakeup()`, without the exception). A node that stops pulling calls it, so its
   * stop does not wait out the poll's timeout.
   */
  wakeup(): void;
  /** Stops fetching these owned partitions until `resume`; already-polled messages stay valid. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  assignment(): TopicPartition[];
  /**
   * Commits, per partition, the next offset to read. Synchronous with the group coordinator.
   * All or nothing: rejects with `NOT_ASSIGNED` if the member does not own one of the partitions
   * (never assigned, or revoked; inside `onRevoked` the revoked ones are still owned).
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Leaves the group (its partitions move to the other members) and releases resources. */
  close(): Promise<void>;
}

/** A group-less consumer: `assign` replaces the partitions it reads and where it starts. */
export interface TransportReader {
  assign(partitions: readonly TopicPartitionOffset[]): Promise<void>;
  /** Up to `max` messages from the assigned partitions; [] after `timeoutMs` if none came. */
  poll(max: number, timeoutMs: number): Promise<IncomingMessage[]>;
  close(): Promise<void>;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly compacted: boolean;
}

/** What provisioning (`vision-flow plan` / `apply`) reads of an existing topic. */
export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The value of each config asked for, as the broker reports it (its default when never set). */
  readonly configs: { readonly [name: string]: string | null };
}

export interface TransportAdmin {
  /** Creates missing topics; existing ones are left alone (their partition count is not changed). */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Provisioning (Kafka only): partitions, replication factor and the named configs; undefined when absent. */
  topicState?(name: string, configNames: readonly string[]): Promise<TopicState | undefined>;
  /** Provisioning (Kafka only): grows the topic to `total` partitions (Kafka cannot shrink one). */
  createPartitions?(name: string, total: number): Promise<void>;
  /** Provisioning (Kafka only): sets the named configs of the topic; its other configs keep their values. */
  alterTopicConfigs?(name: string, configs: { readonly [name: string]: string }): Promise<void>;
  deleteTopics(names: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  /** The high watermark (offset after the last record) of each partition. */
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  /** The log start offset (first record still kept: retention and deleteRecords move it) of each partition. */
  beginningOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  /** The group's committed offsets for the topic's partitions; partitions never committed are absent. */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
}
