import { errorMessage, isVisionFlowError } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { delay, settlesWithin } from '../../internal/delay.js';
import { UNTIL_STOPPED_RETRY } from '../../retry/defaults.js';
import { backoffDelay } from '../../retry/retry.js';
import type { TopicSerde } from '../../serde/topic-serde.js';
import { TopicPartitionKeys, tpKey, type TopicPartitionKey } from '../../transport/topic-partition-key.js';
import type { IncomingMessage, TopicPartition, Transport, TransportConsumer, TransportProducer } from '../../transport/transport.js';
import type { InFlightLimiter } from '../in-flight-limiter.js';
import type { OrderedDispatcher } from '../ordered-dispatcher.js';
import { settleAll } from '../settle.js';
import { OffsetCommitter } from './offset-committer.js';
import type { RecordPath } from './record-path.js';
import type { TaskSet } from './task-set.js';
import { TopicInbound } from './topic-inbound.js';

export interface TopicInputOptions {
  readonly node: string;
  readonly groupId: string;
  readonly transport: Transport;
  readonly producer: TransportProducer;
  readonly serdes: ReadonlyMap<string, TopicSerde<unknown, unknown>>;
  /** Partition i of every input topic must come to the same member (a stateful node reading several topics). */
  readonly copartitioned: boolean;
  /** Tasks must restore their stores before their partitions are read. */
  readonly stateful: boolean;
  readonly limiter: InFlightLimiter;
  readonly dispatcher: OrderedDispatcher;
  readonly tasks: TaskSet;
  readonly path: RecordPath;
  readonly emitter: InstrumentationEmitter;
  readonly log: (message: string) => void;
  readonly pollTimeoutMs: number;
  readonly maxPollRecords: number;
  readonly revokeTimeoutMs: number;
  readonly commitIntervalMs: number;
  readonly onFatal: (error: unknown) => void;
}

/**
 * A node's input from topics (Kafka Streams' StreamThread): group membership, pulling records
 * only while there are free in-flight slots, pausing partitions past their limit, rejoining after
 * lost writes, assignment callbacks, and the periodic commit.
 */
export class TopicInput {
  private consumer: TransportConsumer | undefined;
  /** Set while the node leaves its group and joins again to read from its last commit (see `rejoin`). */
  private rejoining: Promise<void> | undefined;
  private running = false;
  private halted = false;
  private readonly paused = new Set<TopicPartitionKey>();
  /** Input partitions being revoked: their records are dropped, not admitted. */
  private readonly revoking = new Set<TopicPartitionKey>();
  private readonly tpKeys = new TopicPartitionKeys();
  private readonly committer: OffsetCommitter;
  private commitTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** Records were admitted since the node last caught up (see `commitIfCaughtUp`). */
  private admittedSinceCaughtUp = false;
  private lastCaughtUpCommitAt = 0;

  constructor(private readonly opts: TopicInputOptions) {
    this.committer = new OffsetCommitter({
      node: opts.node,
      producer: opts.producer,
      emitter: opts.emitter,
      // A rejoin reads everything since the last commit again; a halted node commits nothing more.
      consumer: () => (this.rejoining || this.halted ? undefined : this.consumer),
      onLostWrites: (e) => this.rejoin(e),
      onFatal: opts.onFatal,
      flush: () => opts.tasks.flush(),
    });
  }

  /** Creates the consumer; `join` then subscribes it. */
  async connect(): Promise<void> {
    this.consumer = await this.opts.transport.consumer({ groupId: this.opts.groupId, clientId: this.opts.groupId, copartitioned: this.opts.copartitioned });
  }

  /** May wait long: a member killed without leaving holds the group until its session expires. */
  join(): Promise<void> {
    return this.subscribe(this.consumer!);
  }

  /** Starts pulling and the periodic commit; the promise ends when pulling stops, rejects if it cannot go on. */
  start(): Promise<void> {
    this.running = true;
    this.commitTimer = setInterval(() => this.commitInBackground(), this.opts.commitIntervalMs);
    this.commitTimer.unref();
    this.loop = this.pollLoop();
    return this.loop;
  }

  /** Stops pulling; records in flight go on. */
  async stopPulling(): Promise<void> {
    this.running = false;
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.consumer?.wakeup(); // a poll waiting for records would otherwise hold the stop for its whole timeout
    await this.loop.catch(() => undefined);
  }

  /** The node failed: nothing more is pulled or committed. */
  halt(): void {
    this.halted = true;
    this.running = false;
    if (this.commitTimer) clearInterval(this.commitTimer);
  }

  /** Commits every offset that is complete now. */
  commit(): Promise<void> {
    return this.committer.commit();
  }

  /** Logs what stores still hold after the last commit and waits for it (see OffsetCommitter.settleHeld). */
  settleHeld(): Promise<void> {
    return this.committer.settleHeld();
  }

  /** Leaves the group. */
  async close(): Promise<void> {
    await this.consumer?.close();
  }

  private subscribe(consumer: TransportConsumer): Promise<void> {
    return consumer.subscribe([...this.opts.serdes.keys()], { onAssigned: (tps) => this.onAssigned(tps), onRevoked: (tps) => this.onRevoked(tps) });
  }

  private async pollLoop(): Promise<void> {
    const { limiter, maxPollRecords, pollTimeoutMs } = this.opts;
    let failures = 0;
    // Poll again once a quarter of the slots (at most one poll's worth) is free, not after every record.
    const batch = Math.min(maxPollRecords, Math.ceil(limiter.limit / 4));
    while (this.running) {
      await limiter.whenFree(batch);
      await this.rejoining;
      if (!this.running) break;
      const consumer = this.consumer!;
      let messages: IncomingMessage[];
      try {
        messages = await consumer.poll(Math.min(limiter.free, maxPollRecords, this.partitionRoom()), pollTimeoutMs);
        failures = 0;
      } catch (e) {
        if (this.rejoining) continue; // the consumer it polled was closed to rejoin
        if (isVisionFlowError(e) && !e.retriable) throw e;
        const wait = backoffDelay(++failures, UNTIL_STOPPED_RETRY);
        this.opts.log(`${this.opts.node}: poll failed, retrying in ${wait} ms: ${errorMessage(e)}`);
        await delay(wait);
        continue;
      }
      if (consumer !== this.consumer) continue; // polled before a rejoin: the new member reads these again
      if (messages.length === 0) this.commitIfCaughtUp();
      for (const m of messages) this.admit(m);
    }
  }

  /**
   * A stateless node that has caught up (a poll found nothing, and nothing is in flight) commits at
   * once rather than at its next tick: its lag reads 0 as soon as that is true, and a crash while it
   * idles reads nothing again. At most four such commits per commit interval, so a trickle of
   * input (an empty poll between every two records) does not commit each record. Stateful nodes
   * keep to the interval: a commit flushes their record caches, which would then emit at every
   * pause in the input.
   */
  private commitIfCaughtUp(): void {
    if (!this.admittedSinceCaughtUp || this.opts.stateful || this.opts.limiter.count > 0) return;
    const now = Date.now();
    if (now - this.lastCaughtUpCommitAt < this.opts.commitIntervalMs / 4) return;
    this.admittedSinceCaughtUp = false;
    this.lastCaughtUpCommitAt = now;
    this.commitInBackground();
  }

  private commitInBackground(): void {
    void this.commit().catch((e: unknown) => this.opts.log(`${this.opts.node}: commit failed, will retry: ${errorMessage(e)}`));
  }

  /**
   * How many records one poll may return without taking any partition past its own limit: a poll
   * may return all of them from one partition, and a partition paused now may be resumed (with one
   * free slot) while the poll waits.
   */
  private partitionRoom(): number {
    const { limit, perPartitionLimit } = this.opts.limiter;
    if (perPartitionLimit >= limit) return limit;
    let busiest = 0;
    for (const tp of this.consumer?.assignment() ?? []) busiest = Math.max(busiest, this.opts.limiter.countFor(tpKey(tp)));
    return Math.max(1, perPartitionLimit - busiest);
  }

  /** Takes a polled record in flight and hands it to the record path in its lane. */
  private admit(m: IncomingMessage): void {
    const { limiter, dispatcher } = this.opts;
    // The partition is leaving; its new owner re-reads it from the commit. By topic and number: a node
    // reading several topics may give up partition 3 of one and keep partition 3 of another.
    const key = this.tpKeys.of(m.topic, m.partition);
    if (this.revoking.has(key)) return;
    this.admittedSinceCaughtUp = true;
    const complete = this.committer.begin(key, m.offset);
    if (limiter.acquire(key) && !this.paused.has(key)) {
      this.paused.add(key);
      this.consumer?.pause([{ topic: m.topic, partition: m.partition }]);
      this.opts.emitter.emit('node.backpressure', { node: this.opts.node, inFlight: limiter.count, paused: [{ topic: m.topic, partition: m.partition }] });
    }
    const task = this.opts.tasks.taskFor(m.partition);
    // Read in offset order here, whatever order the records are processed in: their place in stream time.
    const position = this.opts.stateful ? task.admit(m.timestamp) : undefined;
    const inbound = new TopicInbound(m, this.opts.serdes.get(m.topic)!, position?.streamTime);
    const lane = dispatcher.byKey ? () => (m.key ? m.key.toString('latin1') : `#${m.offset}`) : '';
    dispatcher.dispatch(key, lane, (next) =>
      this.opts.path.run(inbound, task, () => {
        complete();
        if (position) task.completed(position);
        if (limiter.release(key) && this.paused.delete(key)) this.consumer?.resume([{ topic: m.topic, partition: m.partition }]);
        next();
      }),
    );
  }

  /**
   * Writes taken by the producer since the last commit were lost (a checkpoint said so), so the
   * records that made them must run again. Like Kafka Streams with a corrupted task: the node
   * gives its partitions up without committing (their in-flight records no longer count), joins the
   * group again and reads on from the last commit. A static member gets its partitions straight back.
   */
  private rejoin(cause: unknown): void {
    if (this.rejoining || !this.running || !this.consumer) return;
    this.opts.log(`${this.opts.node}: writes since the last commit were lost (${errorMessage(cause)}); reading again from the last commit`);
    const old = this.consumer;
    this.rejoining = (async () => {
      await old.close().catch(() => undefined); // revokes everything; commits are skipped meanwhile
      for (let attempt = 1; this.running; attempt++) {
        let fresh: TransportConsumer | undefined;
        try {
          await this.connect();
          fresh = this.consumer!;
          await this.subscribe(fresh);
          return;
        } catch (e) {
          await fresh?.close().catch(() => undefined);
          if (isVisionFlowError(e) && !e.retriable) throw e;
          const wait = backoffDelay(attempt, UNTIL_STOPPED_RETRY);
          this.opts.log(`${this.opts.node}: joining the group again failed, retrying in ${wait} ms: ${errorMessage(e)}`);
          await delay(wait);
        }
      }
    })()
      .catch((e: unknown) => this.opts.onFatal(e))
      .finally(() => {
        this.rejoining = undefined;
      });
  }

  private async onAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.revoking.delete(tpKey(tp));
    if (this.opts.stateful) await settleAll([...new Set(partitions.map((p) => p.partition))].map((p) => this.opts.tasks.taskFor(p).ready));
    this.opts.emitter.emit('node.partitions_assigned', { node: this.opts.node, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
  }

  private async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const { limiter, revokeTimeoutMs, node, log } = this.opts;
    const keys = partitions.map((p) => tpKey(p));
    for (const k of keys) this.revoking.add(k);
    const finished = await settlesWithin(limiter.whenDrained(keys), revokeTimeoutMs);
    const unfinished = keys.reduce((sum, k) => sum + limiter.countFor(k), 0);
    // Bounded like the drain: a coordinator that does not answer (away, or this member expired) must
    // not hold up the rebalance and every poll behind it. What is not committed is read again.
    const answered = await settlesWithin(this.committer.commit(keys).catch((e: unknown) => log(`${node}: commit on revoke failed: ${errorMessage(e)}`)), revokeTimeoutMs);
    if (!answered) log(`${node}: commit on revoke got no answer in ${revokeTimeoutMs} ms; the revoked partitions are read again from their last commit`);
    else await settlesWithin(this.committer.settleHeld().catch(() => undefined), revokeTimeoutMs);
    this.committer.forget(keys);
    for (const k of keys) this.paused.delete(k);
    // A task belongs to a partition number; close it once no input topic of that number stays owned.
    const revoked = new Set<string>(keys);
    const stillOwned = new Set((this.consumer?.assignment() ?? []).filter((tp) => !revoked.has(tpKey(tp))).map((tp) => tp.partition));
    for (const n of new Set(partitions.map((p) => p.partition))) if (!stillOwned.has(n)) this.opts.tasks.close(n);
    if (!finished) log(`${node}: ${unfinished} records of revoked partitions did not finish in ${revokeTimeoutMs} ms; their offsets were not committed`);
    this.opts.emitter.emit('node.partitions_revoked', { node, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })), unfinished });
  }
}
