import { ConfigError } from '../../errors/config-error.js';
import { ConnectionError } from '../../errors/connection-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import { delay } from '../../internal/delay.js';
import type { IncomingMessage, RebalanceListener, TopicPartition, TopicPartitionOffset, TransportConsumer } from '../transport.js';
import { CommitPump } from './commit-pump.js';
import { isFatal, memberError, type GroupMember } from './group-member.js';
import { HeldRecords } from './held-records.js';
import { closedError, invalidArgument } from './map-kafka-error.js';
import {
  closeNativeConsumer, ConsumeQueue, consumeSlice, CONSUME_SLICE_MS, DISCONNECT_TIMEOUT_MS, openNativeConsumer,
  type NativeConsumer, type NativeConsumerConfig,
} from './native-consumer.js';
import { PartitionOwnership } from './partition-ownership.js';
import type { LibrdKafkaError } from './rdkafka.js';
import { RebalanceHandler } from './rebalance-handler.js';
import { ReplaceableHandle, withCutOffStats } from './replaceable-handle.js';

/** Records per consume() while subscribe() drives the join; what arrives is kept for the next poll. */
const JOIN_BATCH = 500;

/**
 * A pull-based group member on librdkafka's native KafkaConsumer, wired from its parts:
 * - `poll` is native `consume(n)` with "timeout for the first message only"; one native call at a
 *   time, in slices of at most 100 ms (native-consumer.ts).
 * - Rebalances (rebalance-handler.ts): a revocation awaits the listener's `onRevoked` before the
 *   partitions move.
 * - `pause` holds a partition's records back before librdkafka pauses it (held-records.ts).
 * - `commit` resolves when the group coordinator confirmed it, without blocking the event loop (commit-pump.ts).
 * - A librdkafka handle that has lost every broker (replaceable-handle.ts) is replaced by a new
 *   group member: the old member's partitions are revoked as lost, the next poll throws a
 *   retriable ConnectionError that says so, and the new member subscribes to the same topics.
 */
export class KafkaConsumer implements TransportConsumer {
  private readonly member: GroupMember;
  private readonly handle: ReplaceableHandle<NativeConsumer>;
  private readonly consumer: ConsumeQueue;
  private readonly ownership = new PartitionOwnership();
  private readonly held: HeldRecords;
  private readonly rebalance: RebalanceHandler;
  private readonly commits: CommitPump;
  private subscribed = false;
  private topics: string[] = [];
  /** Listener failures and the like, thrown by the next polls (as the memory transport does). */
  private readonly errors: VisionFlowError[] = [];
  private polling: Promise<unknown> = Promise.resolve();
  /**
   * A consume() started as a poll returns: librdkafka's next batch crosses to JS on a libuv thread
   * while the caller processes this one, instead of after it (the node's thread idled ~10 % of a
   * windowed aggregation waiting for that round trip).
   */
  private readAhead: Promise<void> | undefined;
  /** A fatal librdkafka error (e.g. fenced by a static member with the same instance id): every later poll throws it. */
  private fatal: VisionFlowError | undefined;
  private closing: Promise<void> | undefined;
  /** Counts `wakeup` calls: a poll that sees it change returns after its current slice. */
  private wakeups = 0;

  private constructor(
    readonly address: string,
    readonly groupId: string,
    private readonly config: NativeConsumerConfig,
    private readonly connectTimeoutMs: number,
    private readonly joinTimeoutMs: number,
  ) {
    const member = (this.member = { address, groupId });
    const onError = (e: VisionFlowError) => void this.errors.push(e);
    this.handle = new ReplaceableHandle<NativeConsumer>({
      open: () => this.open(),
      closing: () => this.closing !== undefined,
      cutOff: () => this.cutOff(),
      carryOver: (fresh) => this.carryOver(fresh),
      // After the consume() under way on it, if any; it cannot reach a broker, so nobody waits for it.
      retire: (old) => void this.consumer.idle().then(() => closeNativeConsumer(old, this.subscribed)),
    });
    const native = () => this.handle.current;
    // A fatal error surfaces in whichever of consume(), a commit's result or the error event comes
    // first; each reports the same one, which says why (the first operation to see it names it).
    this.consumer = new ConsumeQueue(native, (err) => (isFatal(err) ? this.fatalOnce(err, 'poll') : memberError(member, err, 'poll')));
    this.held = new HeldRecords(native, this.ownership);
    const assignor = String(config.global['partition.assignment.strategy'] ?? 'range,roundrobin');
    this.rebalance = new RebalanceHandler(member, assignor, native, this.consumer, this.ownership, this.held, onError);
    this.commits = new CommitPump(member, this.handle, this.consumer, this.ownership, this.held, (err) => this.fatalOnce(err, 'commit'));
  }

  /** Creates and connects a group member, or rejects with a ConnectionError within `connectTimeoutMs`. */
  static async connect(address: string, config: NativeConsumerConfig, connectTimeoutMs: number): Promise<KafkaConsumer> {
    const groupId = String(config.global['group.id']);
    // A join waits at most for every member to rejoin, bounded by the session timeout, plus a margin.
    const self = new KafkaConsumer(address, groupId, config, connectTimeoutMs, Number(config.global['session.timeout.ms'] ?? 45_000) + 15_000);
    self.handle.start(await self.open());
    return self;
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
    this.rebalance.listen(listener);
    this.topics = [...topics];
    const round = this.rebalance.rounds;
    try {
      this.handle.current.subscribe([...topics]);
    } catch (e) {
      throw memberError(this.member, e, 'subscribe', { topic: topics.join(',') });
    }
    this.subscribed = true;
    const join = this.polling.then(async () => {
      const deadline = Date.now() + this.joinTimeoutMs;
      while (this.rebalance.rounds === round && !this.closing) {
        if (Date.now() > deadline) {
          throw new TimeoutError(`kafka ${this.address}: group ${this.groupId} gave no assignment within ${this.joinTimeoutMs} ms`, this.joinTimeoutMs, { address: this.address, groupId: this.groupId });
        }
        const msgs = await this.consumer.consume(JOIN_BATCH, CONSUME_SLICE_MS);
        await this.rebalance.idle();
        this.held.hold(msgs);
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

  wakeup(): void {
    this.wakeups++;
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.held.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    try {
      this.held.resume(partitions);
    } catch (e) {
      throw memberError(this.member, e, 'resume');
    }
  }

  /** Every partition this member owns, including those whose `onAssigned`/`onRevoked` is running. */
  assignment(): TopicPartition[] {
    return this.ownership.all();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closing && this.rebalance.leaving) throw closedError('consumer', this.address);
    if (this.fatal) throw this.fatal;
    for (const o of offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw invalidArgument(`commit: offset for ${o.topic}/${o.partition} must be a non-negative integer, got ${o.offset}`);
    }
    return this.commits.commit(offsets);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.polling; // a running poll returns after its current slice once `closing` is set
      await this.readAhead;
      await this.handle.replacing; // gives up connecting a new handle once `closing` is set
      await this.rebalance.idle();
      await this.commits.idle();
      await this.rebalance.revokeRemaining();
      await this.commits.idle(); // those onRevoked made
      await this.rebalance.leave(this.subscribed);
      const closed = await closeNativeConsumer(this.handle.current, false);
      this.ownership.clear();
      this.held.clear();
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

  private async pollNow(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    await this.readAhead; // its records are held by now
    await this.rebalance.idle();
    this.throwError();
    if (this.fatal) throw this.fatal;
    if (this.closing) return [];
    const deadline = Date.now() + timeoutMs;
    const woken = this.wakeups;
    for (;;) {
      // Records set aside earlier go first; consume() only tops the batch up, without waiting if some are ready.
      const ready = this.held.readyCount();
      if (ready < max && this.subscribed) {
        const msgs = await this.consumer.consume(max - ready, ready > 0 ? 0 : consumeSlice(deadline));
        await this.rebalance.idle();
        this.throwError();
        this.held.hold(msgs);
      } else if (ready === 0) {
        await delay(consumeSlice(deadline));
      }
      const out = this.held.take(max);
      if (out.length > 0) this.startReadAhead(max);
      if (out.length > 0 || Date.now() >= deadline || this.closing || this.wakeups !== woken) return out;
    }
  }

  /** One consume() of what librdkafka has ready (no wait), held for the next poll; its error is that poll's. */
  private startReadAhead(max: number): void {
    if (this.readAhead || !this.subscribed || this.closing) return;
    this.readAhead = this.consumer
      .consume(max, 0, () => this.closing !== undefined)
      .then(async (msgs) => {
        await this.rebalance.idle();
        this.held.hold(msgs);
      })
      .catch((e: unknown) => void this.errors.push(e as VisionFlowError))
      .finally(() => (this.readAhead = undefined));
  }

  private throwError(): void {
    const e = this.errors.shift();
    if (e) throw e;
  }

  /** A new connected librdkafka consumer; its callbacks reach the parts only while it is the live handle. */
  private open(): Promise<NativeConsumer> {
    const config = { global: withCutOffStats(this.config.global), topic: this.config.topic };
    return openNativeConsumer(config, { address: this.address, operation: 'connect consumer', groupId: this.groupId, timeoutMs: this.connectTimeoutMs }, {
      rebalance: (native, err, assignment) =>
        this.handle.isLive(native) ? this.rebalance.onRebalance(err, assignment) : this.rebalance.answerStale(native, err, assignment),
      committed: (native, err) => this.handle.isLive(native) && this.commits.answer(err),
      // A fatal error (this member fenced by another with its instance id) leaves the handle useless
      // while consume() and commits keep failing quietly, so the next poll throws it and the node stops.
      error: (native, err) => {
        if (this.handle.isLive(native) && isFatal(err)) this.fatalOnce(err, 'consume');
      },
    });
  }

  // --- replacing a handle cut off from the cluster, as a restart of the node would

  /** Until the new handle is connected the old one stays in place, its callbacks quietly answered. */
  private cutOff(): void {
    const { address, groupId } = this;
    this.errors.push(new ConnectionError(
      `kafka ${address}: the consumer of group "${groupId}" lost every broker (librdkafka dropped them after a metadata response that listed none, and will not look for them again); reconnecting as a new member, its partitions are read again from the last commit`,
      { address, groupId },
    ));
    // A commit waiting on the old handle would wait for a coordinator it can no longer find.
    this.commits.answer(new ConnectionError(`kafka ${address}: commit abandoned: the consumer lost every broker`, { address, groupId }));
    this.rebalance.loseAll();
  }

  private async carryOver(fresh: NativeConsumer): Promise<boolean> {
    // Revocations under way on the old handle unassign through the current one: let them finish first.
    await this.rebalance.settled();
    if (this.closing) {
      void closeNativeConsumer(fresh, false);
      return false;
    }
    this.rebalance.forgetAll();
    try {
      if (this.subscribed) fresh.subscribe([...this.topics]);
    } catch (e) {
      this.errors.push(memberError(this.member, e, 'subscribe', { topic: this.topics.join(',') }));
    }
    return true;
  }

  /**
   * librdkafka's only fatal consumer error is a static member fenced by another with its
   * group.instance.id (the binding reports it as a bare `_FATAL`, without the reason): say so.
   */
  private fatalOnce(err: LibrdKafkaError, operation: string): VisionFlowError {
    this.fatal ??= this.fatalError(err, operation);
    return this.fatal;
  }

  private fatalError(err: LibrdKafkaError, operation: string): VisionFlowError {
    const instanceId = this.config.global['group.instance.id'];
    if (instanceId === undefined) return memberError(this.member, err, operation);
    return new ConfigError(
      `kafka ${this.address}: ${operation} failed: another running copy of this node joined group "${this.groupId}" with the same instance id "${String(instanceId)}" (static membership), so the broker fenced this one; give each running copy its own --instance-id / VF_INSTANCE_ID`,
      { address: this.address, groupId: this.groupId, operation, kafkaCode: 'FENCED' },
      err,
    );
  }
}
