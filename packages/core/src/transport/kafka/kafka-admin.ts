import { RetriesExhaustedError } from '../../errors/retries-exhausted-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { delay } from '../../internal/delay.js';
import { ADMIN_READ_RETRY } from '../../retry/defaults.js';
import { retry } from '../../retry/retry.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { topicConfigs } from '../topic-configs.js';
import type { TopicDescription, TopicPartitionOffset, TopicSpec, TopicState, TransportAdmin } from '../transport.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import { describeTopicConfigs } from './describe-topic-configs.js';
import { closedError, hasKafkaCode, invalidArgument, mapKafkaError } from './map-kafka-error.js';
import { rdkafka, type GlobalConfig, type IAdminClient, type LibrdKafkaError, type RdOffsetSpec } from './rdkafka.js';
import { ReplaceableHandle, withCutOffStats, type StatsEmitter } from './replaceable-handle.js';

export interface KafkaAdminSettings {
  readonly address: string;
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly replicationFactor: number;
}

/** Topics named like this are the broker's own (`__consumer_offsets`, `__transaction_state`...). */
const isInternalTopic = (name: string): boolean => name.startsWith('__');
/** Interval while waiting for created/deleted topics to show in metadata; ms. */
const SETTLE_POLL_MS = 50;

/**
 * Topic administration over librdkafka's native AdminClient. Creating and deleting wait until the
 * cluster's metadata shows the change, so a producer or `describeTopic` right after sees it.
 */
export class KafkaAdmin implements TransportAdmin {
  private closed = false;
  /**
   * A handle cut off from every broker (see cut-off-watch.ts) would fail every later call: a new one
   * takes its place at once; calls already on the old one finish or time out there (reads retry).
   */
  private readonly handle = new ReplaceableHandle<AdminHandle>({
    open: () => this.open(),
    closing: () => this.closed,
    retire: disconnect,
  });

  constructor(
    private readonly config: GlobalConfig,
    private readonly s: KafkaAdminSettings,
  ) {
    this.handle.start(this.open());
  }

  /** A new handle; it connects lazily. Its event listeners keep librdkafka's connection noise off stderr. */
  private open(): AdminHandle {
    return rdkafka().AdminClient.create(withCutOffStats(this.config), { 'event.error': () => undefined, 'event.log': () => undefined }) as AdminHandle;
  }

  /** One metadata request within `timeoutMs`: the transport's check that the cluster answers at all. */
  async ping(timeoutMs: number): Promise<void> {
    await this.call<string[]>('connect', (cb) => this.handle.current.listTopics({ timeout: timeoutMs }, cb), { timeoutMs });
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (this.closed) throw closedError('transport', this.s.address);
    for (const spec of specs) checkSpec(spec);
    await Promise.all(
      specs.map(async (spec) => {
        const config = topicConfigs(spec);
        try {
          await this.call<void>('createTopics', (cb) =>
            this.handle.current.createTopic(
              { topic: spec.name, num_partitions: spec.partitions, replication_factor: this.s.replicationFactor, config },
              this.s.requestTimeoutMs,
              cb,
            ), { topic: spec.name });
        } catch (e) {
          // Idempotent: an existing topic is left as it is.
          if (!hasKafkaCode(e instanceof Error ? e.cause : e, 'ERR_TOPIC_ALREADY_EXISTS')) throw e;
        }
      }),
    );
    await this.settle('createTopics', async () => {
      const counts = await Promise.all(specs.map((s) => this.partitionsWithLeader(s.name)));
      return counts.every((n) => n !== undefined && n > 0);
    });
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map(async (topic) => {
        try {
          await this.call<void>('deleteTopics', (cb) => this.handle.current.deleteTopic(topic, this.s.requestTimeoutMs, cb), { topic });
        } catch (e) {
          if (!hasKafkaCode(e instanceof Error ? e.cause : e, 'ERR_UNKNOWN_TOPIC_OR_PART')) throw e;
        }
      }),
    );
    await this.settle('deleteTopics', async () => {
      const left = new Set(await this.allTopics());
      return names.every((n) => !left.has(n));
    });
  }

  async listTopics(): Promise<string[]> {
    return (await this.allTopics()).filter((t) => !isInternalTopic(t)).sort();
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('describeTopic: name must be a non-empty string');
    const partitions = await this.partitionCount(name);
    if (partitions === undefined) return undefined;
    const configs = await describeTopicConfigs(this.s.brokers, [name], ['cleanup.policy'], { clientId: this.s.clientId, timeoutMs: this.s.requestTimeoutMs });
    const policy = configs.get(name)?.get('cleanup.policy') ?? '';
    return { name, partitions, compacted: policy.split(',').includes('compact') };
  }

  async topicState(name: string, configNames: readonly string[]): Promise<TopicState | undefined> {
    const d = await this.describe(name);
    if (d === undefined) return undefined;
    const read = await describeTopicConfigs(this.s.brokers, [name], configNames, { clientId: this.s.clientId, timeoutMs: this.s.requestTimeoutMs });
    const configs: { [name: string]: string | null } = {};
    for (const c of configNames) configs[c] = read.get(name)?.get(c) ?? null;
    return { name, partitions: d.partitions.length, replicationFactor: Math.max(0, ...d.partitions.map((p) => p.replicas?.length ?? 0)), configs };
  }

  async createPartitions(name: string, total: number): Promise<void> {
    await this.call<void>('createPartitions', (cb) => this.handle.current.createPartitions(name, total, this.s.requestTimeoutMs, cb), { topic: name });
    await this.settle('createPartitions', async () => ((await this.partitionsWithLeader(name)) ?? 0) >= total);
  }

  async alterTopicConfigs(name: string, configs: { readonly [name: string]: string }): Promise<void> {
    await alterTopicConfigs(this.s.brokers, name, configs, { clientId: this.s.clientId, timeoutMs: this.s.requestTimeoutMs });
  }

  /**
   * Just after a topic is created, or while its leader moves (broker restart), a read can fail with
   * NOT_LEADER_FOR_PARTITION or LEADER_NOT_AVAILABLE although metadata already shows a leader;
   * librdkafka's admin calls do not retry these, so reads retry retriable errors within the request timeout.
   */
  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return this.retryingRead(() => this.listOffsetsOnce(topic, rdkafka().OffsetSpec.LATEST, 'endOffsets'));
  }

  async beginningOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return this.retryingRead(() => this.listOffsetsOnce(topic, rdkafka().OffsetSpec.EARLIEST, 'beginningOffsets'));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    return this.retryingRead(() => this.committedOffsetsOnce(groupId, topic));
  }

  private async listOffsetsOnce(topic: string, spec: RdOffsetSpec, operation: string): Promise<TopicPartitionOffset[]> {
    const partitions = await this.partitionCount(topic);
    if (partitions === undefined) throw unknownTopic(this.s.address, topic);
    const specs = range(partitions).map((partition) => ({ topic, partition, offset: spec }));
    const result = await this.call<Array<{ topic: string; partition: number; offset: number; error?: LibrdKafkaError }>>(
      operation, (cb) => this.handle.current.listOffsets(specs, { timeout: this.s.requestTimeoutMs }, cb), { topic });
    const failed = result.find((r) => r.error && r.error.code !== 0);
    if (failed?.error) throw mapKafkaError(failed.error, { address: this.s.address, operation, topic, partition: failed.partition });
    return result.map(({ partition, offset }) => ({ topic, partition, offset })).sort((a, b) => a.partition - b.partition);
  }

  private async committedOffsetsOnce(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const partitions = await this.partitionCount(topic);
    if (partitions === undefined) return [];
    const result = await this.call<Array<{ groupId: string; error?: LibrdKafkaError; partitions: Array<{ topic: string; partition: number; offset: number }> }>>(
      'committedOffsets',
      (cb) => this.handle.current.listConsumerGroupOffsets(
        [{ groupId, partitions: range(partitions).map((partition) => ({ topic, partition })) }],
        { timeout: this.s.requestTimeoutMs },
        cb,
      ),
      { topic, groupId },
    );
    const group = result[0];
    if (group?.error && group.error.code !== 0) throw mapKafkaError(group.error, { address: this.s.address, operation: 'committedOffsets', topic, groupId });
    return (group?.partitions ?? [])
      .filter((p) => p.offset >= 0) // -1001: never committed
      .map(({ partition, offset }) => ({ topic, partition, offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  close(): void {
    this.closed = true;
    disconnect(this.handle.current);
  }

  // --- helpers

  private allTopics(): Promise<string[]> {
    return this.call<string[]>('listTopics', (cb) => this.handle.current.listTopics({ timeout: this.s.requestTimeoutMs }, cb));
  }

  /** The topic's partition count, or undefined when it does not exist. */
  private async partitionCount(topic: string): Promise<number | undefined> {
    const d = await this.describe(topic);
    return d?.partitions.length;
  }

  private async partitionsWithLeader(topic: string): Promise<number | undefined> {
    const d = await this.describe(topic);
    return d && d.partitions.every((p) => p.leader !== null) ? d.partitions.length : undefined;
  }

  private async describe(topic: string): Promise<{ partitions: Array<{ leader: unknown; replicas?: unknown[] }> } | undefined> {
    let result: Array<{ name: string; error?: LibrdKafkaError; partitions: Array<{ leader: unknown; replicas?: unknown[] }> }>;
    try {
      result = await this.call('describeTopic', (cb) => this.handle.current.describeTopics([topic], { timeout: this.s.requestTimeoutMs }, cb), { topic });
    } catch (e) {
      if (hasKafkaCode(e instanceof Error ? e.cause : e, 'ERR_UNKNOWN_TOPIC_OR_PART')) return undefined;
      throw e;
    }
    const d = result.find((t) => t.name === topic);
    if (!d || (d.error && d.error.code === 3)) return undefined; // 3: UNKNOWN_TOPIC_OR_PARTITION
    if (d.error && d.error.code !== 0) throw mapKafkaError(d.error, { address: this.s.address, operation: 'describeTopic', topic });
    return d;
  }

  /** Retries `read` on retriable errors until the request timeout; then throws the last error itself. */
  private async retryingRead<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await retry({ ...ADMIN_READ_RETRY, maxElapsedMs: this.s.requestTimeoutMs })(
        () => read(),
      );
    } catch (e) {
      throw e instanceof RetriesExhaustedError ? e.cause : e;
    }
  }

  /** Polls `done` until it holds, within the request timeout. */
  private async settle(operation: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.s.requestTimeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) {
        throw new TimeoutError(`kafka ${this.s.address}: ${operation}: the cluster metadata did not show the change within ${this.s.requestTimeoutMs} ms`, this.s.requestTimeoutMs, { address: this.s.address, operation });
      }
      await delay(SETTLE_POLL_MS);
    }
  }

  /** Runs a callback-style native call and maps its error. */
  private call<T>(
    operation: string,
    fn: (cb: (err: LibrdKafkaError | null | undefined, result: T) => void) => void,
    ctx: { topic?: string; groupId?: string; timeoutMs?: number } = {},
  ): Promise<T> {
    if (this.closed) return Promise.reject(closedError('transport', this.s.address));
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => reject(mapKafkaError(e, { address: this.s.address, operation, timeoutMs: this.s.requestTimeoutMs, ...ctx }));
      try {
        fn((err, result) => (err ? fail(err) : resolve(result)));
      } catch (e) {
        fail(e);
      }
    });
  }
}

/** The admin client is an event emitter, which its typings leave out. */
type AdminHandle = IAdminClient & StatsEmitter;

function disconnect(admin: IAdminClient): void {
  try {
    admin.disconnect();
  } catch {
    // already disconnected
  }
}

function checkSpec(spec: TopicSpec): void {
  const { name, partitions, maxMessageBytes, retentionMs } = spec;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    throw invalidArgument(`createTopics: "${name}" is not a legal topic name (1-249 characters of a-z, A-Z, 0-9, '.', '_', '-')`, { topic: name });
  }
  if (!Number.isInteger(partitions) || partitions < 1) throw invalidArgument(`createTopics: topic "${name}" needs a positive integer number of partitions, got ${partitions}`, { topic: name });
  if (maxMessageBytes !== undefined && (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1)) {
    throw invalidArgument(`createTopics: topic "${name}" maxMessageBytes must be a positive integer, got ${maxMessageBytes}`, { topic: name });
  }
  if (retentionMs !== undefined && !(retentionMs === -1 || retentionMs > 0)) throw invalidArgument(`createTopics: topic "${name}" retentionMs must be positive or -1 (forever), got ${retentionMs}`, { topic: name });
}

function unknownTopic(address: string, topic: string): VisionFlowError {
  return new VisionFlowError(`kafka ${address}: topic "${topic}" does not exist`, { code: 'UNKNOWN_TOPIC', retriable: false }, { address, topic });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
