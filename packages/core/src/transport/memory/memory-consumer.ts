import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import type {
  ConsumerOptions,
  IncomingMessage,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
  TransportConsumer,
} from '../transport.js';
import type { ConsumerGroup, GroupMember } from './consumer-group.js';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryErrors } from './memory-errors.js';
import { Signal, waitForAny } from './signal.js';
import { compareTopicPartitions, tpKey, type TopicPartitionKey } from '../topic-partition-key.js';

/** Kafka 4's default `session.timeout.ms`. */
export const DEFAULT_SESSION_TIMEOUT_MS = 45_000;

interface PartitionState {
  readonly tp: TopicPartition;
  /** The next offset to return. */
  position: number;
  paused: boolean;
  /** False while `onAssigned` or `onRevoked` runs: nothing is fetched from it then. */
  fetchable: boolean;
}

type ConsumerState = 'open' | 'closing' | 'closed';

/**
 * A consumer group member on the memory broker. Records are returned only by `poll`, which reads
 * the assigned, unpaused partitions from their positions and, when there is nothing to read,
 * sleeps until an append to one of them, an assignment change, a resume or close wakes it (no
 * busy loop), or the timeout passes.
 *
 * Rebalance listeners run when the group rebalances, not inside `poll` (the kafka transport's may
 * run inside it); partitions are not fetched while their `onAssigned` or `onRevoked` runs. A
 * listener that throws does not stop the rebalance; the error is thrown by the next `poll`.
 */
export class MemoryConsumer implements TransportConsumer, GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  private readonly autoOffsetReset: 'earliest' | 'latest';
  private subscription: ReadonlySet<string> = new Set();
  private listener: RebalanceListener | undefined;
  private readonly partitions = new Map<TopicPartitionKey, PartitionState>();
  private readonly changed = new Signal();
  /** Counts `wakeup` calls: a poll that sees it change returns. */
  private wakeups = 0;
  private state: ConsumerState = 'open';
  private closing: Promise<void> | undefined;
  private group: ConsumerGroup | undefined;
  private cursor = 0;
  private listenerErrors: VisionFlowError[] = [];

  constructor(
    private readonly broker: MemoryBroker,
    opts: ConsumerOptions,
    private readonly onClosed: (c: MemoryConsumer) => void = () => undefined,
  ) {
    if (typeof opts.groupId !== 'string' || opts.groupId.length === 0) throw MemoryErrors.invalidArgument('consumer: groupId must be a non-empty string');
    if (opts.sessionTimeoutMs !== undefined && !(opts.sessionTimeoutMs > 0)) throw MemoryErrors.invalidArgument(`consumer: sessionTimeoutMs must be positive, got ${opts.sessionTimeoutMs}`);
    this.groupId = opts.groupId;
    this.clientId = opts.clientId ?? 'vision-flow-consumer';
    this.memberId = broker.nextMemberId(this.clientId);
    this.autoOffsetReset = opts.autoOffsetReset ?? 'earliest';
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  }

  get topics(): ReadonlySet<string> {
    return this.subscription;
  }

  /** Replaces the subscription and resolves once the group has rebalanced for it. */
  async subscribe(topics: readonly string[], listener?: RebalanceListener): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw MemoryErrors.invalidArgument('subscribe: topics must be an array of non-empty topic names');
    }
    this.subscription = new Set(topics);
    this.listener = listener;
    this.group ??= this.broker.group(this.groupId);
    await this.group.join(this);
  }

  async poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    this.assertOpen();
    if (!Number.isInteger(max) || max < 1) throw MemoryErrors.invalidArgument(`poll: max must be a positive integer, got ${max}`);
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) throw MemoryErrors.invalidArgument(`poll: timeoutMs must be a non-negative number, got ${timeoutMs}`);
    const deadline = performance.now() + timeoutMs;
    const woken = this.wakeups;
    for (;;) {
      const failure = this.listenerErrors.shift();
      if (failure) throw failure;
      if (this.state !== 'open') return [];
      const out = this.fetch(max);
      if (out.length > 0) return out;
      const left = deadline - performance.now();
      if (left <= 0 || this.wakeups !== woken) {
        // Resolve on a later turn even with timeoutMs 0, never inside the call.
        await Promise.resolve();
        return [];
      }
      await waitForAny([this.changed, ...this.wakeSignals()], left);
    }
  }

  wakeup(): void {
    this.wakeups++;
    this.changed.notify();
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.partitions.get(tpKey(tp));
      if (s) s.paused = true;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.partitions.get(tpKey(tp));
      if (s) s.paused = false;
    }
    this.changed.notify();
  }

  /** Every partition the member owns, including those whose `onAssigned`/`onRevoked` is running. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map((s) => s.tp).sort(compareTopicPartitions);
  }

  /** The partitions the member has paused (and still owns). */
  paused(): TopicPartition[] {
    return [...this.partitions.values()]
      .filter((s) => s.paused)
      .map((s) => s.tp)
      .sort(compareTopicPartitions);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.state === 'closed') throw MemoryErrors.closed('consumer', this.clientId);
    for (const o of offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw MemoryErrors.invalidArgument(`commit: offset for ${o.topic}/${o.partition} must be a non-negative integer, got ${o.offset}`);
    }
    if (!this.group) {
      const first = offsets[0];
      if (first) throw MemoryErrors.notAssigned(this.groupId, first.topic, first.partition);
      return;
    }
    this.broker.commit(this.groupId, this.memberId, offsets);
  }

  /** Leaves the group: `onRevoked` runs for every owned partition, then they move to the others. */
  close(): Promise<void> {
    this.closing ??= this.leave();
    return this.closing;
  }

  /**
   * Dies without leaving (a killed process): polls stop, nothing is revoked, and the group moves the
   * partitions after sessionTimeoutMs, from the last committed offsets.
   */
  crash(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closing ??= Promise.resolve();
    this.partitions.clear();
    this.changed.notify();
    this.onClosed(this);
    const group = this.group;
    if (group) {
      const timer = setTimeout(() => void group.expel(this.memberId), this.sessionTimeoutMs);
      timer.unref?.();
    }
  }

  // --- GroupMember: called by the consumer group during rebalances.

  async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    const states = partitions.map((tp) => this.partitions.get(tpKey(tp))).filter((s): s is PartitionState => s !== undefined);
    for (const s of states) s.fetchable = false;
    try {
      if (this.state !== 'closed') await this.listener?.onRevoked?.(partitions);
    } catch (e) {
      this.listenerErrors.push(MemoryErrors.rebalanceListenerFailed(this.groupId, 'onRevoked', e));
    } finally {
      for (const s of states) if (this.partitions.get(tpKey(s.tp)) === s) this.partitions.delete(tpKey(s.tp));
      this.changed.notify();
    }
  }

  async assign(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.state === 'closed') return;
    const states = partitions.map((tp): PartitionState => ({ tp, position: this.startOffset(tp), paused: false, fetchable: false }));
    for (const s of states) this.partitions.set(tpKey(s.tp), s);
    try {
      await this.listener?.onAssigned?.(partitions);
    } catch (e) {
      this.listenerErrors.push(MemoryErrors.rebalanceListenerFailed(this.groupId, 'onAssigned', e));
    } finally {
      for (const s of states) s.fetchable = true;
      this.changed.notify();
    }
  }

  // --- internals

  private async leave(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.changed.notify();
    try {
      await this.group?.leave(this);
    } finally {
      this.state = 'closed';
      this.partitions.clear();
      this.changed.notify();
      this.onClosed(this);
    }
  }

  private startOffset(tp: TopicPartition): number {
    const committed = this.group?.committedOffset(tp);
    if (committed !== undefined) return committed;
    return this.resetOffset(tp);
  }

  private resetOffset(tp: TopicPartition): number {
    const log = this.broker.partitionLog(tp.topic, tp.partition);
    if (!log) return 0;
    return this.autoOffsetReset === 'latest' ? log.highWatermark : log.logStartOffset;
  }

  private fetchable(): PartitionState[] {
    return [...this.partitions.values()].filter((s) => s.fetchable && !s.paused).sort((a, b) => compareTopicPartitions(a.tp, b.tp));
  }

  private wakeSignals(): Signal[] {
    const out: Signal[] = [];
    for (const s of this.fetchable()) {
      const log = this.broker.partitionLog(s.tp.topic, s.tp.partition);
      if (log) out.push(log.appended);
    }
    return out;
  }

  /**
   * Takes up to `max` records, spread over the fetchable partitions: each pass gives every partition
   * a fair share, starting one partition further on each poll so none is starved.
   */
  private fetch(max: number): IncomingMessage[] {
    const active = this.fetchable();
    if (active.length === 0) return [];
    const start = this.cursor++ % active.length;
    const order = [...active.slice(start), ...active.slice(0, start)];
    const out: IncomingMessage[] = [];
    const share = Math.max(1, Math.ceil(max / order.length));
    for (let progress = true; progress && out.length < max; ) {
      progress = false;
      for (const s of order) {
        const room = max - out.length;
        if (room <= 0) break;
        const log = this.broker.partitionLog(s.tp.topic, s.tp.partition);
        if (!log) continue;
        // Out of range (the topic was deleted and re-created): reset like Kafka's auto.offset.reset.
        if (s.position > log.highWatermark || s.position < log.logStartOffset) s.position = this.resetOffset(s.tp);
        const records = log.read(s.position, Math.min(room, share));
        if (records.length === 0) continue;
        progress = true;
        s.position = records[records.length - 1]!.offset + 1;
        log.fetchedBy(this.groupId, s.position);
        for (const r of records) {
          out.push({
            topic: s.tp.topic,
            partition: s.tp.partition,
            offset: r.offset,
            // Copies, as each Kafka fetch gives fresh bytes: a consumer that mutates a buffer cannot
            // change what another group (or a redelivery) reads.
            key: r.key === null ? null : Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
            headers: r.headers,
            timestamp: r.timestamp,
          });
        }
      }
    }
    return out;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw MemoryErrors.closed('consumer', this.clientId);
  }
}
