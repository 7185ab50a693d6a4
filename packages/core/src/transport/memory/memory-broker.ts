import type { TopicDescription, TopicPartition, TopicPartitionOffset, TopicSpec } from '../transport.js';
import { ConsumerGroup, type GroupDescription, type GroupState } from './consumer-group.js';
import { MemoryErrors } from './memory-errors.js';
import { MemoryTopic } from './memory-topic.js';
import type { PartitionLog } from './partition-log.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;

export interface PartitionLag extends TopicPartition {
  /** The high watermark. */
  readonly endOffset: number;
  /** The group's committed offset, if it committed one. */
  readonly committedOffset: number | undefined;
  /** Records not yet committed: endOffset minus the committed offset (or the log start). */
  readonly lag: number;
  /** The clientId of the member that owns the partition, if any. */
  readonly owner: string | undefined;
}

export interface GroupLag {
  readonly groupId: string;
  readonly state: GroupState;
  readonly totalLag: number;
  readonly partitions: readonly PartitionLag[];
}

export interface MemoryBrokerOptions {
  /**
   * Drop a topic's records once every group that reads it has committed past them, as Kafka
   * Streams purges its repartition topics (`deleteRecords`) and retention would in time. Compacted
   * topics (changelogs) keep everything, and so does a topic no group reads (outputs, dead letters).
   * For an embedded run, where nothing outside the process can read the topics: it then holds only
   * what is still to be read, however many records pass through. A group that joins a topic later
   * starts at the oldest record kept. Default false: every record stays, as on Kafka before retention.
   */
  readonly dropCommitted?: boolean;
  /**
   * With `dropCommitted`: how many key and value bytes of a topic may wait unread by the slowest group
   * that reads it. A producer to a topic that far ahead waits until that group fetches more, so a
   * source runs at most this far ahead of its slowest reader and the slowest stage sets the pace
   * (as a Kafka producer waits on a full `buffer.memory`). Default 16 MiB: about 110 of the sample
   * images, 3 s of the image pipeline's work on 2 cores.
   */
  readonly maxTopicBytes?: number;
}

export const DEFAULT_MAX_TOPIC_BYTES = 16 * 1024 * 1024;
/** A full topic's readers that fetch nothing for this long are taken to be stuck (see isFull). */
const STUCK_READERS_MS = 5_000;

/**
 * The in-process broker: topics of partition logs, and consumer groups. Several MemoryTransports
 * can share one, as separate processes share a Kafka cluster. Topics are only created by
 * `createTopics` (no auto-creation).
 *
 * Besides what the Transport contract needs, it shows group state (`describeGroup`, `groupLag`)
 * for tests and for progress display.
 */
export class MemoryBroker {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly dropCommitted: boolean;
  private readonly maxTopicBytes: number;
  private memberSeq = 0;

  constructor(opts: MemoryBrokerOptions = {}) {
    this.dropCommitted = opts.dropCommitted ?? false;
    this.maxTopicBytes = opts.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES;
  }

  /**
   * Whether a producer must wait before appending to the topic: it holds `maxTopicBytes` or more that
   * its slowest reading group has not fetched. A topic no group reads is never full; and a full
   * topic whose readers have fetched nothing for STUCK_READERS_MS takes records again (they may be
   * waiting on the very producer that waits for them, e.g. a node that reads its own output).
   */
  isFull(topic: MemoryTopic): boolean {
    // Every append asks: what the topic holds bounds what is unread, so most calls end here.
    const held = this.dropCommitted && !topic.compacted ? topic.partitions.reduce((n, log) => n + log.bytes, 0) : 0;
    const readers = held < this.maxTopicBytes ? [] : this.readersOf(topic.name);
    const unread = readers.length === 0 ? 0 : topic.partitions.reduce((n, log) => n + log.bytesFrom(Math.min(...readers.map((g) => this.nextFetch(g, log)))), 0);
    if (unread < this.maxTopicBytes) {
      topic.fullSince = undefined;
      return false;
    }
    const now = Date.now();
    topic.fullSince ??= now;
    return now - Math.max(topic.fullSince, ...topic.partitions.map((log) => log.readAt)) < STUCK_READERS_MS;
  }

  /** Groups that subscribe to the topic or have committed offsets for it. */
  private readersOf(topic: string): ConsumerGroup[] {
    return [...this.groups.values()].filter((g) => g.subscribes(topic) || g.committedTopics().includes(topic));
  }

  /** Where the group reads the log next: its last fetch, else its committed offset, else the log start. */
  private nextFetch(group: ConsumerGroup, log: PartitionLog): number {
    return log.fetchPosition(group.groupId) ?? group.committedOffset(log) ?? log.logStartOffset;
  }

  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(specs: readonly TopicSpec[]): void {
    for (const spec of specs) validateSpec(spec);
    const created: string[] = [];
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue;
      this.topics.set(spec.name, new MemoryTopic(spec));
      created.push(spec.name);
    }
    this.topicsChanged(created);
  }

  /** Deletes the topics, their data and every group's committed offsets for them; unknown names are ignored. */
  deleteTopics(names: readonly string[]): void {
    const deleted = names.filter((n) => this.topics.delete(n));
    for (const group of this.groups.values()) for (const t of deleted) group.forgetTopic(t);
    this.topicsChanged(deleted);
  }

  topic(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  listTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  describeTopic(name: string): TopicDescription | undefined {
    return this.topics.get(name)?.describe();
  }

  partitionLog(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  endOffsets(topic: string): TopicPartitionOffset[] {
    const t = this.topics.get(topic);
    if (!t) throw MemoryErrors.unknownTopic(topic);
    return t.partitions.map((log) => ({ topic, partition: log.partition, offset: log.highWatermark }));
  }

  beginningOffsets(topic: string): TopicPartitionOffset[] {
    const t = this.topics.get(topic);
    if (!t) throw MemoryErrors.unknownTopic(topic);
    return t.partitions.map((log) => ({ topic, partition: log.partition, offset: log.logStartOffset }));
  }

  committedOffsets(groupId: string, topic: string): TopicPartitionOffset[] {
    return this.groups.get(groupId)?.committedOffsets(topic) ?? [];
  }

  /** Stores a member's offsets in its group (see ConsumerGroup.commit), then drops what every reading group has committed past. */
  commit(groupId: string, memberId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.group(groupId).commit(memberId, offsets);
    if (!this.dropCommitted) return;
    for (const o of offsets) {
      const topic = this.topics.get(o.topic);
      if (!topic || topic.compacted) continue;
      topic.partitions[o.partition]?.dropBefore(this.committedByAllReaders(o));
    }
  }

  /** The lowest offset committed by the groups that read the partition's topic (0 while one of them has not committed). */
  private committedByAllReaders(tp: TopicPartition): number {
    const readers = this.readersOf(tp.topic);
    return readers.length === 0 ? 0 : Math.min(...readers.map((g) => g.committedOffset(tp) ?? 0));
  }

  /** The group, created empty on first use (as Kafka creates a group when a member first joins). */
  group(groupId: string): ConsumerGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ConsumerGroup(groupId, () => new Map([...this.topics].map(([name, t]) => [name, t.partitions.length])));
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Members, their subscriptions and assignments, and whether a rebalance is under way. */
  describeGroup(groupId: string): GroupDescription | undefined {
    return this.groups.get(groupId)?.describe();
  }

  listGroups(): string[] {
    return [...this.groups.keys()].sort();
  }

  /**
   * How far the group is behind, per partition of every topic it subscribes to or has committed
   * offsets for.
   */
  groupLag(groupId: string): GroupLag {
    const group = this.groups.get(groupId);
    if (!group) return { groupId, state: 'empty', totalLag: 0, partitions: [] };
    const d = group.describe();
    const topics = new Set([...d.members.flatMap((m) => m.topics), ...group.committedTopics()]);
    const partitions: PartitionLag[] = [];
    for (const name of [...topics].sort()) {
      const t = this.topics.get(name);
      if (!t) continue;
      for (const log of t.partitions) {
        const tp = { topic: name, partition: log.partition };
        const committedOffset = group.committedOffset(tp);
        const ownerId = group.ownerOf(tp);
        partitions.push({
          ...tp,
          endOffset: log.highWatermark,
          committedOffset,
          lag: Math.max(0, log.highWatermark - (committedOffset ?? log.logStartOffset)),
          owner: d.members.find((m) => m.memberId === ownerId)?.clientId,
        });
      }
    }
    return { groupId, state: d.state, totalLag: partitions.reduce((n, p) => n + p.lag, 0), partitions };
  }

  nextMemberId(clientId: string): string {
    return `${clientId}-${++this.memberSeq}`;
  }

  /** Groups subscribed to a created or deleted topic rebalance (in the background). */
  private topicsChanged(names: readonly string[]): void {
    if (names.length === 0) return;
    for (const group of this.groups.values()) {
      if (names.some((n) => group.subscribes(n))) void group.requestRebalance();
    }
  }
}

function validateSpec(spec: TopicSpec): void {
  const { name, partitions, maxMessageBytes, retentionMs } = spec;
  if (typeof name !== 'string' || !LEGAL_TOPIC.test(name) || name.length > MAX_TOPIC_LENGTH || name === '.' || name === '..') {
    throw MemoryErrors.invalidArgument(`createTopics: "${name}" is not a legal topic name (1-${MAX_TOPIC_LENGTH} characters of a-z, A-Z, 0-9, '.', '_', '-')`);
  }
  if (!Number.isInteger(partitions) || partitions < 1) throw MemoryErrors.invalidArgument(`createTopics: topic "${name}" needs a positive integer number of partitions, got ${partitions}`);
  if (maxMessageBytes !== undefined && (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1)) {
    throw MemoryErrors.invalidArgument(`createTopics: topic "${name}" maxMessageBytes must be a positive integer, got ${maxMessageBytes}`);
  }
  if (retentionMs !== undefined && !(retentionMs === -1 || retentionMs > 0)) throw MemoryErrors.invalidArgument(`createTopics: topic "${name}" retentionMs must be positive or -1 (forever), got ${retentionMs}`);
}
