import { ConnectionError } from '../../errors/connection-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';
import type { TopicPartitionOffset } from '../transport.js';
import { isFatal, memberError, type GroupMember } from './group-member.js';
import type { HeldRecords } from './held-records.js';
import type { ConsumeQueue, NativeConsumer } from './native-consumer.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { errorCodes, type LibrdKafkaError } from './rdkafka.js';
import type { ReplaceableHandle } from './replaceable-handle.js';

interface PendingCommit {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  readonly topic?: string;
  readonly partition?: number;
}

/**
 * A group member's commits. Each resolves when the group coordinator confirmed it, without blocking
 * the event loop: an async commit whose result (`offset_commit_cb`) librdkafka delivers only from
 * inside consume(), so while a commit is pending and no poll is consuming, a pump runs consume() and
 * keeps what it reads for the next poll. Not `commitSync`: it blocks the whole process until the
 * coordinator answers (45 s with the broker down). Not the binding's `commitCb` (used by the KafkaJS
 * layer): it reports success as soon as the commit is queued, before the broker has it.
 */
export class CommitPump {
  /** Commits go one at a time, so each offset_commit_cb answers the one pending commit. */
  private commits: Promise<unknown> = Promise.resolve();
  private pending: PendingCommit | undefined;
  private pumping = false;

  constructor(
    private readonly member: GroupMember,
    private readonly handle: ReplaceableHandle<NativeConsumer>,
    private readonly consumer: ConsumeQueue,
    private readonly ownership: PartitionOwnership,
    private readonly held: HeldRecords,
    /** A fatal error in a commit's result: the handle is beyond repair; the error the commit rejects with. */
    private readonly onFatal: (err: LibrdKafkaError) => VisionFlowError,
  ) {}

  /**
   * Commits only partitions this member owns (else `NOT_ASSIGNED`, as the memory transport does). The
   * classic Kafka group protocol would accept a commit for a partition that has moved on and so rewind
   * its new owner; the check keeps a late commit after a rebalance from doing that.
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const { address, groupId } = this.member;
    const foreign = offsets.find((o) => !this.ownership.owns(o));
    if (foreign) {
      throw new VisionFlowError(
        `kafka ${address}: cannot commit ${foreign.topic}/${foreign.partition} for group "${groupId}": this member does not own the partition (never assigned or already revoked)`,
        { code: 'NOT_ASSIGNED', retriable: false },
        { address, groupId, topic: foreign.topic, partition: foreign.partition },
      );
    }
    const gone = offsets.find((o) => this.ownership.isLost(o));
    if (gone) {
      throw memberError(this.member, { code: errorCodes()['ERR__ASSIGNMENT_LOST'], message: 'the group expired this member and gave the partition away' }, 'commit', { topic: gone.topic, partition: gone.partition });
    }
    if (offsets.length === 0) return;
    const run = this.commits.then(() => this.commitNow(offsets));
    this.commits = run.catch(() => undefined);
    return run;
  }

  /** Settles once every commit queued so far has its answer. */
  idle(): Promise<unknown> {
    return this.commits;
  }

  /** The result of the pending commit (offset_commit_cb), or why it will get none. */
  answer(err: LibrdKafkaError | VisionFlowError | undefined): void {
    const fatal = err && !(err instanceof VisionFlowError) && isFatal(err) ? this.onFatal(err) : undefined;
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (fatal) p.reject(fatal);
    else if (err && (err instanceof VisionFlowError || err.code !== 0)) p.reject(memberError(this.member, err, 'commit', { topic: p.topic, partition: p.partition }));
    else p.resolve();
  }

  private commitNow(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const one = offsets.length === 1 ? { topic: offsets[0]!.topic, partition: offsets[0]!.partition } : {};
    // Checked again when its turn comes: the partitions may have been lost meanwhile, and a replaced
    // handle would never answer (its callbacks are no longer followed).
    const gone = offsets.find((o) => this.ownership.isLost(o) || !this.ownership.owns(o));
    if (gone) {
      return Promise.reject(memberError(this.member, { code: errorCodes()['ERR__ASSIGNMENT_LOST'], message: 'the partition was revoked or given away while the commit waited' }, 'commit', { topic: gone.topic, partition: gone.partition }));
    }
    if (this.handle.stale) {
      const { address, groupId } = this.member;
      return Promise.reject(new ConnectionError(`kafka ${address}: commit failed: the consumer is reconnecting`, { address, groupId, ...one }));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject, ...one };
      try {
        this.handle.current.commit(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      } catch (e) {
        this.pending = undefined;
        const err = e as LibrdKafkaError;
        return reject(isFatal(err) ? this.onFatal(err) : memberError(this.member, e, 'commit', one));
      }
      this.pump();
    });
  }

  /** Keeps consume() running while a commit waits for its result; what it reads waits for the next poll. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.pending) this.held.hold(await this.consumer.serve(() => !this.pending));
      } catch (e) {
        this.answer(e as LibrdKafkaError);
      } finally {
        this.pumping = false;
      }
    })();
  }
}
