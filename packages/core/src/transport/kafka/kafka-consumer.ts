import { ConfigError } from '../../errors/config-error.js';
import { ConnectionError } from '../../errors/connection-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { EMPTY_HEADERS, type Headers } from '../../records/headers.js';
import type { IncomingMessage, RebalanceListener, TopicPartition, TopicPartitionOffset, TransportConsumer } from '../transport.js';
import { CutOffWatch, CUT_OFF_STATS_INTERVAL_MS, reconnect } from './cut-off-watch.js';
import { closedError, invalidArgument, mapKafkaError, type KafkaErrorContext } from './map-kafka-error.js';
import { ERR, RdConsumer, type ConsumerGlobalConfig, type ConsumerTopicConfig, type LibrdKafkaError, type Message, type MessageHeader } from './rdkafka.js';

type Native = InstanceType<typeof RdConsumer> & {
  // Public on the JS class, missing from its typings: consume(n) then waits `timeout` for the first
  // message only and takes whatever else is already fetched, which is exactly poll()'s contract.
  setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void;
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  assign(partitions: TopicPartition[]): void;
  unassign(): void;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  assignmentLost(): boolean;
};

/**
 * Longest single native consume(); poll() loops in slices. Each consume() holds a libuv thread-pool
 * thread (4 by default) for its whole wait, so short slices let other pool work (DNS, fs, producer
 * flush, other consumers) run between them.
 */
const CONSUME_SLICE_MS = 100;
/** Pause after a transient consume error so the loop does not spin; ms. */
const ERROR_BACKOFF_MS = 50;
/**
 * What a paused partition may hold back before librdkafka pauses it too (see the class comment):
 * a few polls' worth of small records, or a few large images.
 */
const HELD_WHILE_PAUSED_RECORDS = 2_000;
const HELD_WHILE_PAUSED_BYTES = 8 * 1024 * 1024;

/** Records per consume() while subscribe() drives the join; what arrives is kept for the next poll. */
const JOIN_BATCH = 500;
/**
 * consume() size and wait while a commit waits for its result and no poll is running. The result
 * is a high-priority op, served by the first consume() after it arrives; consume() itself waits its
 * full timeout for a record even after serving it, hence short slices. One record per call keeps
 * what the pump sets aside (for the next poll) to a few records per commit.
 */
const PUMP_BATCH = 1;
const PUMP_SLICE_MS = 5;
/** librdkafka's close() waits for the group to answer LeaveGroup; do not hang close() on a dead broker. */
const DISCONNECT_TIMEOUT_MS = 15_000;
/** How long close() serves the revocation after unsubscribing before it disconnects anyway. */
const LEAVE_TIMEOUT_MS = 5_000;

/** Consume errors that only mean "nothing to read right now": librdkafka recovers by itself. */
export const TRANSIENT = new Set(
  ['ERR__TRANSPORT', 'ERR__ALL_BROKERS_DOWN', 'ERR__RESOLVE', 'ERR__TIMED_OUT', 'ERR__PARTITION_EOF', 'ERR_UNKNOWN_TOPIC_OR_PART',
    'ERR__UNKNOWN_PARTITION', 'ERR__MAX_POLL_EXCEEDED', 'ERR__WAIT_COORD', 'ERR_NOT_COORDINATOR', 'ERR_COORDINATOR_NOT_AVAILABLE',
    'ERR_COORDINATOR_LOAD_IN_PROGRESS', 'ERR_REBALANCE_IN_PROGRESS', 'ERR_UNKNOWN_TOPIC_ID'].map((n) => ERR[n]).filter((c) => c !== undefined),
);

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * A pull-based group member on librdkafka's native KafkaConsumer.
 *
 * - `poll` is native `consume(n)` with "timeout for the first message only"; one native call at a
 *   time, in slices of at most 100 ms.
 * - Rebalances (cooperative-sticky; for `copartitioned` groups range, which is eager) come through
 *   `rebalance_cb`. The binding runs it on the JS thread after librdkafka's own callback has
 *   returned, and librdkafka keeps the group in wait-(un)assign-call until we call
 *   incrementalAssign/incrementalUnassign (assign/unassign when eager). So a revocation awaits
 *   the listener's `onRevoked` (where the runtime commits) and only then unassigns: the partitions
 *   do not move before the commit is done. Messages of partitions being revoked are dropped; the
 *   next owner reads them again from the committed offset.
 * - `pause` first holds a partition's records back here and hands them out first after `resume`, so
 *   none is lost or reordered. Only when a paused partition holds more than a bound (records or
 *   bytes) does librdkafka pause it too: a librdkafka pause discards what it has prefetched for the
 *   partition and fetches it again on resume, which for the short pauses of a busy node's
 *   per-partition limit cost more than they saved (a stall, and the same bytes fetched twice).
 * - `commit` resolves when the group coordinator confirmed it, without blocking the event loop: an
 *   async commit whose result (`offset_commit_cb`) librdkafka delivers only from inside consume(),
 *   so while a commit is pending and no poll is consuming, a pump runs consume() and keeps what it
 *   reads for the next poll. Not `commitSync`: it blocks the whole process until the coordinator
 *   answers (45 s with the broker down). Not the binding's `commitCb` (used by the KafkaJS layer):
 *   it reports success as soon as the commit is queued, before the broker has it.
 * - A revocation librdkafka reports as lost (the group expired this member, e.g. after a broker
 *   outage longer than the session timeout) commits nothing: the partitions already belong to
 *   someone else, and a commit would only wait for a coordinator that no longer knows the member.
 * - A librdkafka handle that has lost every broker (see cut-off-watch.ts) is replaced by a new
 *   group member: the old member's partitions are revoked as lost, the next poll throws a
 *   retriable ConnectionError that says so, and the new member subscribes to the same topics.
 */
export class KafkaConsumer implements TransportConsumer {
  /** The current librdkafka consumer; replaced when it loses every broker. */
  private native!: Native;
  /** The handle whose callbacks this consumer acts on; unset while a replacement is under way. */
  private live: Native | undefined;
  private listener: RebalanceListener | undefined;
  private subscribed = false;
  private topics: string[] = [];
  private readonly assigned = new Map<string, TopicPartition>();
  private readonly revoking = new Set<string>();
  private readonly paused = new Set<string>();
  /** Paused partitions librdkafka stopped fetching too (their held records reached the bound). */
  private readonly pausedNatively = new Set<string>();
  /** Records read but not yet polled, per partition, in offset order, with their size. */
  private readonly held = new Map<string, Held>();
  /** Owned partitions the group has already given away (a lost revocation, a replaced handle): commits of them fail at once. */
  private readonly lost = new Set<string>();
  /** Rebalance handling runs one step at a time; poll waits for it before returning messages. */
  private rebalancing: Promise<void> = Promise.resolve();
  /** Listener failures, thrown by the next polls (as the memory transport does). */
  private readonly listenerErrors: VisionFlowError[] = [];
  /** Assignment callbacks handled so far: subscribe() waits for the next one. */
  private assignRounds = 0;
  private polling: Promise<unknown> = Promise.resolve();
  /** One native consume() at a time, whoever calls it (poll, subscribe, the commit pump). */
  private consuming: Promise<unknown> = Promise.resolve();
  /** Commits go one at a time, so each offset_commit_cb answers the one pending commit. */
  private commits: Promise<unknown> = Promise.resolve();
  private pendingCommit: { resolve: () => void; reject: (e: unknown) => void; topic?: string; partition?: number } | undefined;
  private pumping = false;
  /** A fatal librdkafka error (e.g. fenced by a static member with the same instance id): every later poll throws it. */
  private fatal: VisionFlowError | undefined;
  private closing: Promise<void> | undefined;
  /** Set once close() has run the final onRevoked: later revocations just unassign. */
  private leaving = false;
  private readonly cutOff = new CutOffWatch(() => this.replaceNative());
  private replacing: Promise<void> | undefined;

  private constructor(
    readonly address: string,
    readonly groupId: string,
    private readonly config: { global: ConsumerGlobalConfig; topic: ConsumerTopicConfig },
    private readonly connectTimeoutMs: number,
    private readonly joinTimeoutMs: number,
  ) {}

  /** Creates and connects a group member, or rejects with a ConnectionError within `connectTimeoutMs`. */
  static async connect(
    address: string,
    config: { global: ConsumerGlobalConfig; topic: ConsumerTopicConfig },
    connectTimeoutMs: number,
  ): Promise<KafkaConsumer> {
    const groupId = String(config.global['group.id']);
    // A join waits at most for every member to rejoin, bounded by the session timeout, plus a margin.
    const self = new KafkaConsumer(address, groupId, config, connectTimeoutMs, Number(config.global['session.timeout.ms'] ?? 45_000) + 15_000);
    self.native = self.live = await self.open();
    return self;
  }

  /** A new connected librdkafka consumer; its callbacks reach this object only while it is the live handle. */
  private async open(): Promise<Native> {
    const native: Native = new RdConsumer(
      {
        'statistics.interval.ms': CUT_OFF_STATS_INTERVAL_MS,
        ...this.config.global,
        rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) =>
          native === this.live ? this.onRebalance(err, assignment) : answerRebalance(native, this.eager(), err, assignment),
        offset_commit_cb: (err: LibrdKafkaError | undefined) => native === this.live && this.onCommitted(err),
      },
      this.config.topic,
    ) as Native;
    // Most errors surface through consume(); the listener keeps them off stderr. A fatal one (this
    // member fenced by another with its instance id) leaves the handle useless while consume() and
    // commits keep failing quietly, so the next poll throws it and the node stops.
    native.on('event.error', (err: LibrdKafkaError) => {
      if (native === this.live && isFatal(err)) this.fatal ??= this.fatalError(err, 'consume');
    });
    native.on('event.stats', (s: { message: string }) => native === this.live && this.cutOff.report(s.message));
    try {
      await new Promise<void>((resolve, reject) => native.connect({ timeout: this.connectTimeoutMs }, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      native.disconnect(() => undefined);
      throw mapKafkaError(e, { address: this.address, operation: 'connect consumer', groupId: this.groupId, timeoutMs: this.connectTimeoutMs });
    }
    native.setDefaultIsTimeoutOnlyForFirstMessage(true);
    return native;
  }

  /**
   * Subscribes and resolves once this member has joined the group and received its first assignment
   * (after `onAssigned`). librdkafka only delivers rebalance callbacks inside consume(), so this drives
   * consume() until then; records it reads meanwhile are kept for the next `poll`.
   * With cooperative rebalancing a member that joins a busy group may get its share one round later
   * (after the others revoked it); those partitions then arrive during `poll`.
   */
  async subscribe(topics: readonly string[], listener?: RebalanceListener): Promise<void> {
    if (this.closing) throw closedError('consumer', this.address);
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw invalidArgument('subscribe: topics must be a non-empty array of topic names', { groupId: this.groupId });
    }
    this.listener = listener;
    this.topics = [...topics];
    const round = this.assignRounds;
    try {
      this.native.subscribe([...topics]);
    } catch (e) {
      throw this.error(e, 'subscribe', { topic: topics.join(',') });
    }
    this.subscribed = true;
    const join = this.polling.then(async () => {
      const deadline = Date.now() + this.joinTimeoutMs;
      while (this.assignRounds === round && !this.closing) {
        if (Date.now() > deadline) {
          throw new TimeoutError(`kafka ${this.address}: group ${this.groupId} gave no assignment within ${this.joinTimeoutMs} ms`, this.joinTimeoutMs, { address: this.address, groupId: this.groupId });
        }
        const raw = await this.consume(JOIN_BATCH, CONSUME_SLICE_MS);
        await this.rebalancing;
        this.hold(raw);
      }
    });
    this.polling = join.catch(() => undefined);
    await join;
  }

  poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    if (this.closing) return Promise.reject(closedError('consumer', this.address));
    if (!Number.isInteger(max) || max < 1) return Promise.reject(invalidArgument(`poll: max must be a positive integer, got ${max}`));
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) return Promise.reject(invalidArgument(`poll: timeoutMs must be a non-negative number, got ${timeoutMs}`));
    const run = this.polling.then(() => this.pollNow(max, timeoutMs));
    this.polling = run.catch(() => undefined);
    return run;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const k = tpKey(tp);
      if (!this.assigned.has(k) || this.paused.has(k)) continue;
      this.paused.add(k);
      if (this.heldBeyondBound(k)) this.pauseNatively(tp);
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    const natively: TopicPartition[] = [];
    for (const tp of partitions) {
      const k = tpKey(tp);
      if (!this.paused.delete(k)) continue;
      if (this.pausedNatively.delete(k) && this.assigned.has(k)) natively.push({ topic: tp.topic, partition: tp.partition });
    }
    if (natively.length === 0) return;
    try {
      this.native.resume(natively);
    } catch (e) {
      throw this.error(e, 'resume');
    }
  }

  /** Whether a paused partition holds so much that librdkafka must stop fetching it too. */
  private heldBeyondBound(k: string): boolean {
    const h = this.held.get(k);
    return h !== undefined && (h.msgs.length - h.head >= HELD_WHILE_PAUSED_RECORDS || h.bytes >= HELD_WHILE_PAUSED_BYTES);
  }

  /** Pauses a partition in librdkafka; false if it could not (closed meanwhile): it is then only held back here. */
  private pauseNatively(tp: TopicPartition): boolean {
    try {
      this.native.pause([{ topic: tp.topic, partition: tp.partition }]);
    } catch {
      return false;
    }
    this.pausedNatively.add(tpKey(tp));
    return true;
  }

  /** Every partition this member owns, including those whose `onAssigned`/`onRevoked` is running. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /**
   * Commits only partitions this member owns (else `NOT_ASSIGNED`, as the memory transport does). The
   * classic Kafka group protocol would accept a commit for a partition that has moved on and so rewind
   * its new owner; the check keeps a late commit after a rebalance from doing that.
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closing && this.leaving) throw closedError('consumer', this.address);
    for (const o of offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw invalidArgument(`commit: offset for ${o.topic}/${o.partition} must be a non-negative integer, got ${o.offset}`);
    }
    const foreign = offsets.find((o) => !this.assigned.has(tpKey(o)));
    if (foreign) {
      throw new VisionFlowError(
        `kafka ${this.address}: cannot commit ${foreign.topic}/${foreign.partition} for group "${this.groupId}": this member does not own the partition (never assigned or already revoked)`,
        { code: 'NOT_ASSIGNED', retriable: false },
        { address: this.address, groupId: this.groupId, topic: foreign.topic, partition: foreign.partition },
      );
    }
    const gone = offsets.find((o) => this.lost.has(tpKey(o)));
    if (gone) {
      throw this.error({ code: ERR['ERR__ASSIGNMENT_LOST'], message: 'the group expired this member and gave the partition away' }, 'commit', { topic: gone.topic, partition: gone.partition });
    }
    if (offsets.length === 0) return;
    const run = this.commits.then(() => this.commitNow(offsets));
    this.commits = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.polling; // a running poll returns after its current slice once `closing` is set
      await this.replacing; // gives up connecting a new handle once `closing` is set
      await this.rebalancing;
      await this.commits;
      const remaining = [...this.assigned.values()].filter((tp) => !this.revoking.has(tpKey(tp)));
      // Like the Java client: the listener sees the final revocation while commits still work.
      if (remaining.length > 0) {
        try {
          await this.listener?.onRevoked?.(remaining);
        } catch {
          // closing anyway; the next owner re-reads from the last commit
        }
      }
      await this.commits; // those onRevoked made
      this.leaving = true;
      await this.leaveGroup();
      const closed = await closeNative(this.native, false);
      this.assigned.clear();
      this.held.clear();
      this.lost.clear();
      if (!closed) {
        throw new TimeoutError(
          `kafka ${this.address}: the consumer of group "${this.groupId}" did not close within ${DISCONNECT_TIMEOUT_MS} ms: librdkafka still waits for the group (or for a revocation to be answered) on a libuv thread, and process exit will wait for it too`,
          DISCONNECT_TIMEOUT_MS,
          { address: this.address, groupId: this.groupId },
        );
      }
    })();
    return this.closing;
  }

  /**
   * Unsubscribes and serves the revocation that follows while the handle still takes assign calls.
   * librdkafka hands it to the rebalance callback from consume(); left to disconnect(), it would come
   * while the binding already refuses assign() ("disconnected"). Records read meanwhile are dropped:
   * they are past the last commit, and the next owner reads them. Bounded: disconnect() answers
   * whatever is still pending.
   */
  private async leaveGroup(): Promise<void> {
    if (!this.subscribed) return;
    try {
      this.native.unsubscribe();
    } catch {
      return; // not connected any more: nothing to leave
    }
    const deadline = Date.now() + LEAVE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await this.consume(PUMP_BATCH, PUMP_SLICE_MS);
      await this.rebalancing;
      if (this.nativeAssignment() === 0) return;
    }
  }

  /** How many partitions librdkafka still has assigned to this handle (0 once it cannot tell). */
  private nativeAssignment(): number {
    try {
      return this.native.assignments().length;
    } catch {
      return 0;
    }
  }

  // --- polling

  private async pollNow(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    await this.rebalancing;
    this.throwListenerError();
    if (this.fatal) throw this.fatal;
    if (this.closing) return [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Records set aside earlier go first; consume() only tops the batch up, without waiting if some are ready.
      const ready = this.readyCount();
      if (ready < max && this.subscribed) {
        const raw = await this.consume(max - ready, ready > 0 ? 0 : Math.min(Math.max(0, deadline - Date.now()), CONSUME_SLICE_MS));
        await this.rebalancing;
        this.throwListenerError();
        this.hold(raw);
      } else if (ready === 0) {
        await sleep(Math.min(Math.max(0, deadline - Date.now()), CONSUME_SLICE_MS));
      }
      const out = this.takeHeld(max);
      if (out.length > 0 || Date.now() >= deadline || this.closing) return out;
    }
  }

  /** Queues a native consume(); `unless` is checked when its turn comes, to skip one no longer needed. */
  private consume(max: number, timeoutMs: number, unless?: () => boolean): Promise<Message[]> {
    const run = this.consuming.then(() => (unless?.() ? [] : this.consumeNow(max, timeoutMs)));
    this.consuming = run.catch(() => undefined);
    return run;
  }

  private consumeNow(max: number, timeoutMs: number): Promise<Message[]> {
    this.native.setDefaultConsumeTimeout(timeoutMs);
    return new Promise((resolve, reject) => {
      this.native.consume(max, (err, messages) => {
        if (!err) return resolve(messages ?? []);
        if (err.isFatal || !TRANSIENT.has(err.code)) return reject(this.error(err, 'poll'));
        setTimeout(() => resolve([]), Math.min(ERROR_BACKOFF_MS, timeoutMs));
      });
    });
  }

  /**
   * Queues what consume() returned, per partition and in offset order; drops records of partitions
   * this member no longer owns or is giving up (their next owner reads them from the commit).
   * Records of paused partitions wait here until `resume`.
   */
  private hold(raw: readonly Message[]): void {
    for (const m of raw) {
      const k = tpKey(m);
      if (!this.assigned.has(k) || this.revoking.has(k)) continue;
      let h = this.held.get(k);
      if (!h) this.held.set(k, (h = { msgs: [], head: 0, bytes: 0 }));
      const msg = toIncoming(m);
      h.msgs.push(msg);
      h.bytes += sizeOf(msg);
      if (this.paused.has(k) && !this.pausedNatively.has(k) && this.heldBeyondBound(k)) this.pauseNatively(m);
    }
  }

  /** Set-aside records of unpaused partitions. */
  private readyCount(): number {
    let n = 0;
    for (const [k, h] of this.held) if (!this.paused.has(k)) n += h.msgs.length - h.head;
    return n;
  }

  private takeHeld(max: number): IncomingMessage[] {
    const out: IncomingMessage[] = [];
    for (const [k, h] of this.held) {
      if (this.paused.has(k)) continue;
      const end = Math.min(h.msgs.length, h.head + max - out.length);
      for (; h.head < end; h.head++) {
        const msg = h.msgs[h.head]!;
        out.push(msg);
        h.bytes -= sizeOf(msg);
      }
      if (h.head === h.msgs.length) this.held.delete(k);
      else if (h.head > 1024 && h.head * 2 > h.msgs.length) {
        // a partition that never runs dry: drop the handed-out records now and then
        h.msgs.splice(0, h.head);
        h.head = 0;
      }
      if (out.length >= max) break;
    }
    return out;
  }

  // --- committing

  private commitNow(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const one = offsets.length === 1 ? { topic: offsets[0]!.topic, partition: offsets[0]!.partition } : {};
    // Checked again when its turn comes: the partitions may have been lost meanwhile, and a replaced
    // handle would never answer (its callbacks are no longer followed).
    const gone = offsets.find((o) => this.lost.has(tpKey(o)) || !this.assigned.has(tpKey(o)));
    if (gone) {
      return Promise.reject(this.error({ code: ERR['ERR__ASSIGNMENT_LOST'], message: 'the partition was revoked or given away while the commit waited' }, 'commit', { topic: gone.topic, partition: gone.partition }));
    }
    if (this.native !== this.live) {
      return Promise.reject(new ConnectionError(`kafka ${this.address}: commit failed: the consumer is reconnecting`, { address: this.address, groupId: this.groupId, ...one }));
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingCommit = { resolve, reject, ...one };
      try {
        this.native.commit(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      } catch (e) {
        this.pendingCommit = undefined;
        return reject(this.error(e, 'commit', one));
      }
      this.pump();
    });
  }

  private onCommitted(err: LibrdKafkaError | VisionFlowError | undefined): void {
    if (err && !(err instanceof VisionFlowError) && isFatal(err)) this.fatal ??= this.fatalError(err, 'commit');
    const p = this.pendingCommit;
    if (!p) return;
    this.pendingCommit = undefined;
    if (err && (err instanceof VisionFlowError || err.code !== 0)) p.reject(this.error(err, 'commit', { topic: p.topic, partition: p.partition }));
    else p.resolve();
  }

  /** Keeps consume() running while a commit waits for its result; what it reads waits for the next poll. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.pendingCommit) this.hold(await this.consume(PUMP_BATCH, PUMP_SLICE_MS, () => !this.pendingCommit));
      } catch (e) {
        this.onCommitted(e as LibrdKafkaError);
      } finally {
        this.pumping = false;
      }
    })();
  }

  // --- rebalancing

  private onRebalance(err: LibrdKafkaError | undefined, assignment: readonly TopicPartition[]): void {
    const tps = assignment.map(({ topic, partition }) => ({ topic, partition }));
    if (err?.code === ERR['ERR__ASSIGN_PARTITIONS']) {
      try {
        // Eager protocol (range assignor, co-partitioned groups): the whole new assignment, after
        // everything was revoked. Cooperative: only what is added.
        if (this.eager()) this.native.assign(tps);
        else this.native.incrementalAssign(tps);
      } catch (e) {
        this.listenerErrors.push(this.error(e, 'assign'));
        return;
      }
      for (const tp of tps) this.assigned.set(tpKey(tp), tp);
      // Cooperative rounds often bring no change for this member; the listener hears only of real ones.
      if (!this.leaving && tps.length > 0) this.step('onAssigned', () => this.listener?.onAssigned?.(tps));
      this.step('onAssigned', () => void this.assignRounds++);
    } else if (err?.code === ERR['ERR__REVOKE_PARTITIONS']) {
      const lost = this.assignmentLost();
      for (const tp of tps) {
        this.revoking.add(tpKey(tp));
        if (lost) this.lost.add(tpKey(tp));
      }
      if (this.leaving || tps.length === 0) return this.release(tps);
      this.step('onRevoked', async () => {
        try {
          await this.listener?.onRevoked?.(tps);
        } finally {
          this.release(tps);
        }
      });
    } else {
      // A failed rebalance: give everything up; librdkafka rejoins the group by itself.
      const all = [...this.assigned.values()];
      this.listenerErrors.push(this.error(err, 'rebalance'));
      this.release(all);
    }
  }

  /**
   * Whether the group rebalances eagerly (every partition is revoked, then all are assigned anew):
   * known from the assignor configured, not asked of the handle: the binding answers "NONE" once
   * disconnect() has begun. A revocation a consume() still under way served then was answered the
   * cooperative way, librdkafka refused it ("must be made using assign() when rebalance protocol
   * type is EAGER"), and its close waited for an answer forever, on a libuv thread that process
   * exit joins.
   */
  private eager(): boolean {
    return !String(this.config.global['partition.assignment.strategy'] ?? 'range,roundrobin').includes('cooperative');
  }

  /** Whether librdkafka revokes an assignment the group has already taken away. */
  private assignmentLost(): boolean {
    try {
      return this.native.assignmentLost();
    } catch {
      return false;
    }
  }

  /** Gives partitions back to librdkafka and forgets their local state. */
  private release(tps: readonly TopicPartition[]): void {
    try {
      // Even an empty revocation must be answered: librdkafka waits for the call. An eager
      // revocation is always of the whole assignment.
      if (this.eager()) this.native.unassign();
      else this.native.incrementalUnassign(tps.map(({ topic, partition }) => ({ topic, partition })));
    } catch {
      // already closed: nothing to give back
    }
    this.forget(tps);
  }

  private forget(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const k = tpKey(tp);
      this.assigned.delete(k);
      this.revoking.delete(k);
      this.paused.delete(k);
      this.pausedNatively.delete(k);
      this.held.delete(k);
      this.lost.delete(k);
    }
  }

  // --- replacing a handle cut off from the cluster

  /**
   * Replaces the librdkafka handle with a new group member, as a restart of the node would: the
   * old member's partitions are lost (the group expires it within the session timeout and gives
   * them to the new member), so the listener hears of them as revoked and their commits fail at
   * once. Until the new handle is connected, the old one stays in place, quietly answered.
   */
  private replaceNative(): void {
    if (this.replacing || this.closing) return;
    const old = this.native;
    this.live = undefined; // from now on the old handle's callbacks only get librdkafka what it waits for
    this.listenerErrors.push(new ConnectionError(
      `kafka ${this.address}: the consumer of group "${this.groupId}" lost every broker (librdkafka dropped them after a metadata response that listed none, and will not look for them again); reconnecting as a new member, its partitions are read again from the last commit`,
      { address: this.address, groupId: this.groupId },
    ));
    // A commit waiting on the old handle would wait for a coordinator it can no longer find.
    this.onCommitted(new ConnectionError(`kafka ${this.address}: commit abandoned: the consumer lost every broker`, { address: this.address, groupId: this.groupId }));
    for (const k of this.assigned.keys()) this.lost.add(k);
    const owned = [...this.assigned.values()].filter((tp) => !this.revoking.has(tpKey(tp)));
    if (owned.length > 0) {
      for (const tp of owned) this.revoking.add(tpKey(tp));
      this.step('onRevoked', async () => {
        try {
          await this.listener?.onRevoked?.(owned);
        } finally {
          this.forget(owned);
        }
      });
    }
    this.replacing = (async () => {
      const fresh = await reconnect(() => this.open(), () => this.closing !== undefined);
      // Revocations under way on the old handle unassign through `this.native`: let them finish first.
      for (let r = this.rebalancing; ; r = this.rebalancing) {
        await r;
        if (r === this.rebalancing) break;
      }
      if (!fresh) return; // closing: close() takes the old handle down
      if (this.closing) return void closeNative(fresh, false);
      this.native = this.live = fresh;
      this.forget([...this.assigned.values()]);
      try {
        if (this.subscribed) fresh.subscribe([...this.topics]);
      } catch (e) {
        this.listenerErrors.push(this.error(e, 'subscribe', { topic: this.topics.join(',') }));
      }
      // After the consume() under way on it, if any; it cannot reach a broker, so nobody waits for it.
      void this.consuming.then(() => closeNative(old, this.subscribed));
    })().finally(() => {
      this.replacing = undefined;
    });
  }

  /** Runs rebalance work after the previous step; a listener that throws does not stop the rebalance. */
  private step(callback: 'onAssigned' | 'onRevoked', fn: () => unknown): void {
    this.rebalancing = this.rebalancing.then(fn).then(
      () => undefined,
      (e: unknown) => {
        this.listenerErrors.push(new VisionFlowError(
          `the ${callback} rebalance listener of a group "${this.groupId}" member failed: ${e instanceof Error ? e.message : String(e)}`,
          { code: 'REBALANCE_LISTENER_FAILED', retriable: false, cause: e },
          { groupId: this.groupId, callback, address: this.address },
        ));
      },
    );
  }

  private throwListenerError(): void {
    const e = this.listenerErrors.shift();
    if (e) throw e;
  }

  /**
   * librdkafka's only fatal consumer error is a static member fenced by another with its
   * group.instance.id (the binding reports it as a bare `_FATAL`, without the reason): say so.
   */
  private fatalError(err: LibrdKafkaError, operation: string): VisionFlowError {
    const instanceId = this.config.global['group.instance.id'];
    if (instanceId === undefined) return this.error(err, operation);
    return new ConfigError(
      `kafka ${this.address}: ${operation} failed: another running copy of this node joined group "${this.groupId}" with the same instance id "${String(instanceId)}" (static membership), so the broker fenced this one; give each running copy its own --instance-id / VF_INSTANCE_ID`,
      { address: this.address, groupId: this.groupId, operation, kafkaCode: 'FENCED' },
      err,
    );
  }

  private error(e: unknown, operation: string, extra: Partial<KafkaErrorContext> = {}) {
    return mapKafkaError(e, { address: this.address, operation, groupId: this.groupId, ...extra });
  }
}

export function toIncoming(m: Message): IncomingMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key),
    value: m.value ?? null,
    headers: fromRdHeaders(m.headers),
    timestamp: m.timestamp ?? Date.now(),
  };
}

/** Whether librdkafka says the handle is beyond repair (its fatal flag, or the generic _FATAL code). */
function isFatal(err: LibrdKafkaError | undefined): boolean {
  return err !== undefined && (err.isFatal === true || err.code === ERR['ERR__FATAL']);
}

/** Records read but not yet polled of one partition; `head` is the next to hand out (no Array.shift per record). */
interface Held {
  readonly msgs: IncomingMessage[];
  head: number;
  bytes: number;
}

function sizeOf(m: IncomingMessage): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0);
}

function fromRdHeaders(headers: MessageHeader[] | undefined): Headers {
  if (!headers || headers.length === 0) return EMPTY_HEADERS;
  const out: { [name: string]: string } = {};
  for (const h of headers) {
    for (const k in h) {
      const v = h[k]!;
      out[k] = typeof v === 'string' ? v : v.toString('utf8');
    }
  }
  return Object.freeze(out);
}

/**
 * Answers a rebalance of a handle this consumer no longer acts on, as the binding does by default,
 * so that librdkafka does not wait for the call (closing it would wait too).
 */
function answerRebalance(native: Native, eager: boolean, err: LibrdKafkaError | undefined, tps: TopicPartition[]): void {
  try {
    const cooperative = !eager;
    if (err?.code === ERR['ERR__ASSIGN_PARTITIONS']) {
      if (cooperative) native.incrementalAssign(tps);
      else native.assign(tps);
    } else if (err?.code === ERR['ERR__REVOKE_PARTITIONS']) {
      if (cooperative) native.incrementalUnassign(tps);
      else native.unassign();
    }
  } catch {
    // closed already: nothing waits
  }
}

/** Leaves the group (when subscribed) and closes the handle, waiting at most DISCONNECT_TIMEOUT_MS; false if it did not close in time. */
async function closeNative(native: Native, subscribed: boolean): Promise<boolean> {
  try {
    if (subscribed) native.unsubscribe();
  } catch {
    // not connected any more: nothing to leave
  }
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), DISCONNECT_TIMEOUT_MS);
    native.disconnect(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
