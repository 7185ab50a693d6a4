import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { tpKey } from '../topic-partition-key.js';
import type { RebalanceListener, TopicPartition } from '../transport.js';
import { memberError, type GroupMember } from './group-member.js';
import type { HeldRecords } from './held-records.js';
import type { ConsumeQueue, NativeConsumer } from './native-consumer.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { errorCodes, type LibrdKafkaError } from './rdkafka.js';

/** How long close() serves the revocation after unsubscribing before it disconnects anyway. */
const LEAVE_TIMEOUT_MS = 5_000;

/**
 * A group member's rebalances (cooperative-sticky; for `copartitioned` groups range, which is eager),
 * which come through `rebalance_cb`. The binding runs it on the JS thread after librdkafka's own
 * callback has returned, and librdkafka keeps the group in wait-(un)assign-call until we call
 * incrementalAssign/incrementalUnassign (assign/unassign when eager). So a revocation awaits the
 * listener's `onRevoked` (where the runtime commits) and only then unassigns: the partitions do not
 * move before the commit is done. Records of partitions being revoked are dropped; the next owner
 * reads them again from the committed offset. A revocation librdkafka reports as lost (the group
 * expired this member, e.g. after a broker outage longer than the session timeout) commits nothing:
 * the partitions already belong to someone else.
 */
export class RebalanceHandler {
  /** Rebalance handling runs one step at a time; poll waits for it before returning records. */
  private rebalancing: Promise<void> = Promise.resolve();
  private listener: RebalanceListener | undefined;
  /** Assignment callbacks handled so far: subscribe() waits for the next one. */
  private assignRounds = 0;
  /** Set once close() has run the final onRevoked: later revocations just unassign. */
  private leavingGroup = false;
  /**
   * Whether the group rebalances eagerly (every partition is revoked, then all are assigned anew):
   * known from the assignor configured, not asked of the handle: the binding answers "NONE" once
   * disconnect() has begun. A revocation a consume() still under way served then was answered the
   * cooperative way, librdkafka refused it, and its close waited for an answer forever, on a libuv
   * thread that process exit joins.
   */
  private readonly eager: boolean;

  constructor(
    private readonly member: GroupMember,
    /** librdkafka's `partition.assignment.strategy` as configured. */
    assignor: string,
    private readonly native: () => NativeConsumer,
    private readonly consumer: ConsumeQueue,
    private readonly ownership: PartitionOwnership,
    private readonly held: HeldRecords,
    /** A failure for the next poll to throw (as the memory transport does). */
    private readonly onError: (e: VisionFlowError) => void,
  ) {
    this.eager = !assignor.includes('cooperative');
  }

  listen(listener: RebalanceListener | undefined): void {
    this.listener = listener;
  }

  /** Assignment callbacks handled so far. */
  get rounds(): number {
    return this.assignRounds;
  }

  get leaving(): boolean {
    return this.leavingGroup;
  }

  /** Settles once the steps queued so far have run. */
  idle(): Promise<void> {
    return this.rebalancing;
  }

  /** Settles once no step is left, including steps queued while waiting. */
  async settled(): Promise<void> {
    for (let r = this.rebalancing; ; r = this.rebalancing) {
      await r;
      if (r === this.rebalancing) return;
    }
  }

  /** A rebalance of the handle this member acts on. */
  onRebalance(err: LibrdKafkaError | undefined, assignment: readonly TopicPartition[]): void {
    const tps = assignment.map(({ topic, partition }) => ({ topic, partition }));
    if (err?.code === errorCodes()['ERR__ASSIGN_PARTITIONS']) {
      try {
        // Eager: the whole new assignment, after everything was revoked. Cooperative: only what is added.
        if (this.eager) this.native().assign(tps);
        else this.native().incrementalAssign(tps);
      } catch (e) {
        this.onError(memberError(this.member, e, 'assign'));
        return;
      }
      this.ownership.assign(tps);
      // Cooperative rounds often bring no change for this member; the listener hears only of real ones.
      if (!this.leavingGroup && tps.length > 0) this.step('onAssigned', () => this.listener?.onAssigned?.(tps));
      this.step('onAssigned', () => void this.assignRounds++);
    } else if (err?.code === errorCodes()['ERR__REVOKE_PARTITIONS']) {
      this.ownership.revoke(tps, this.assignmentLost());
      if (this.leavingGroup || tps.length === 0) return this.release(tps);
      this.revoke(tps, () => this.release(tps));
    } else {
      // A failed rebalance: give everything up; librdkafka rejoins the group by itself.
      const all = this.ownership.all();
      this.onError(memberError(this.member, err, 'rebalance'));
      this.release(all);
    }
  }

  /**
   * Answers a rebalance of a handle this member no longer acts on, as the binding does by default,
   * so that librdkafka does not wait for the call (closing it would wait too).
   */
  answerStale(native: NativeConsumer, err: LibrdKafkaError | undefined, tps: TopicPartition[]): void {
    try {
      if (err?.code === errorCodes()['ERR__ASSIGN_PARTITIONS']) {
        if (this.eager) native.assign(tps);
        else native.incrementalAssign(tps);
      } else if (err?.code === errorCodes()['ERR__REVOKE_PARTITIONS']) {
        if (this.eager) native.unassign();
        else native.incrementalUnassign(tps);
      }
    } catch {
      // closed already: nothing waits
    }
  }

  /**
   * The handle was cut off: the group expires this member within the session timeout and gives its
   * partitions to the next one, so the listener hears of them as revoked and their commits fail at once.
   */
  loseAll(): void {
    this.ownership.loseAll();
    const owned = this.ownership.kept();
    if (owned.length === 0) return;
    this.ownership.revoke(owned, true);
    this.revoke(owned, () => this.forget(owned));
  }

  /** Forgets every partition (a new handle joins as a new member). */
  forgetAll(): void {
    this.forget(this.ownership.all());
  }

  /** Like the Java client: on close the listener sees the final revocation while commits still work. */
  async revokeRemaining(): Promise<void> {
    const remaining = this.ownership.kept();
    if (remaining.length === 0) return;
    try {
      await this.listener?.onRevoked?.(remaining);
    } catch {
      // closing anyway; the next owner re-reads from the last commit
    }
  }

  /**
   * Unsubscribes and serves the revocation that follows while the handle still takes assign calls.
   * librdkafka hands it to the rebalance callback from consume(); left to disconnect(), it would come
   * while the binding already refuses assign() ("disconnected"). Records read meanwhile are dropped:
   * they are past the last commit, and the next owner reads them. Bounded: disconnect() answers
   * whatever is still pending.
   */
  async leave(subscribed: boolean): Promise<void> {
    this.leavingGroup = true;
    if (!subscribed) return;
    try {
      this.native().unsubscribe();
    } catch {
      return; // not connected any more: nothing to leave
    }
    const deadline = Date.now() + LEAVE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await this.consumer.serve();
      await this.rebalancing;
      if (this.nativeAssignment() === 0) return;
    }
  }

  /** Runs the listener's `onRevoked`, then `done` even if it threw. */
  private revoke(tps: readonly TopicPartition[], done: () => void): void {
    this.step('onRevoked', async () => {
      try {
        await this.listener?.onRevoked?.(tps);
      } finally {
        done();
      }
    });
  }

  /** Runs rebalance work after the previous step; a listener that throws does not stop the rebalance. */
  private step(callback: 'onAssigned' | 'onRevoked', fn: () => unknown): void {
    const { address, groupId } = this.member;
    this.rebalancing = this.rebalancing.then(fn).then(
      () => undefined,
      (e: unknown) => {
        this.onError(new VisionFlowError(
          `the ${callback} rebalance listener of a group "${groupId}" member failed: ${e instanceof Error ? e.message : String(e)}`,
          { code: 'REBALANCE_LISTENER_FAILED', retriable: false, cause: e },
          { groupId, callback, address },
        ));
      },
    );
  }

  /** Gives partitions back to librdkafka and forgets their local state. */
  private release(tps: readonly TopicPartition[]): void {
    try {
      // Even an empty revocation must be answered: librdkafka waits for the call. An eager
      // revocation is always of the whole assignment.
      if (this.eager) this.native().unassign();
      else this.native().incrementalUnassign(tps.map(({ topic, partition }) => ({ topic, partition })));
    } catch {
      // already closed: nothing to give back
    }
    this.forget(tps);
  }

  private forget(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const k = tpKey(tp);
      this.ownership.forget(k);
      this.held.forget(k);
    }
  }

  /** Whether librdkafka revokes an assignment the group has already taken away. */
  private assignmentLost(): boolean {
    try {
      return this.native().assignmentLost();
    } catch {
      return false;
    }
  }

  /** How many partitions librdkafka still has assigned to this handle (0 once it cannot tell). */
  private nativeAssignment(): number {
    try {
      return this.native().assignments().length;
    } catch {
      return 0;
    }
  }
}
