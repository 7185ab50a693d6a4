import { TimeoutError } from '../../errors/timeout-error.js';
import { errorMessage, isVisionFlowError, VisionFlowError } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { fromTpKey, tpKey, type TopicPartitionKey } from '../../transport/topic-partition-key.js';
import type { TopicPartitionOffset, TransportConsumer, TransportProducer } from '../../transport/transport.js';
import { OffsetTracker } from '../offset-tracker.js';

export interface OffsetCommitterOptions {
  readonly node: string;
  readonly producer: TransportProducer;
  readonly emitter: InstrumentationEmitter;
  /** The consumer to commit through, or undefined while there is none to commit with (rejoining, failed, closed). */
  readonly consumer: () => TransportConsumer | undefined;
  /** Writes since the last commit were lost, and sending again may help: read again from the last commit. */
  readonly onLostWrites: (error: unknown) => void;
  /** A write was refused for good: the node must stop without committing. */
  readonly onFatal: (error: unknown) => void;
  /** Emits what processors hold back (record caches); resolves once the producer has taken it. */
  readonly flush?: () => Promise<void>;
}

/**
 * Commits, per input partition, the highest offset below which every record is complete, and
 * only after a checkpoint (Kafka Streams' flush before commit): each commit first waits for the
 * producer's writes so far to be acknowledged, so an offset is committed only once the outputs of
 * its records are durable (at-least-once).
 */
export class OffsetCommitter {
  private readonly trackers = new Map<TopicPartitionKey, OffsetTracker>();
  private readonly committed = new Map<TopicPartitionKey, number>();
  private chain: Promise<void> = Promise.resolve();
  /** A full commit queued behind the running one; later full commits join it. */
  private waiting: Promise<void> | undefined;

  constructor(private readonly opts: OffsetCommitterOptions) {}

  /** A record was read: it is in flight until `complete` runs for it. Returns that completion. */
  begin(key: TopicPartitionKey, offset: number): () => void {
    let tracker = this.trackers.get(key);
    if (!tracker) this.trackers.set(key, (tracker = new OffsetTracker()));
    tracker.begin(offset);
    // A partition revoked meanwhile lost its tracker: this completion must not move any commit.
    return () => {
      if (this.trackers.get(key) === tracker) tracker.complete(offset);
    };
  }

  /** Forgets partitions given up: what was not committed is read again by their next owner. */
  forget(keys: readonly TopicPartitionKey[]): void {
    for (const k of keys) {
      this.trackers.delete(k);
      this.committed.delete(k);
    }
  }

  /**
   * Commits what is complete, of `only` these partitions or all. Serialised. A full commit still
   * waiting for its turn also serves later full-commit callers (it reads the offsets when it
   * starts): while the coordinator is slow to answer (45 s when it is away), one commit per tick
   * would otherwise pile up in front of the one a revocation needs.
   */
  commit(only?: readonly TopicPartitionKey[]): Promise<void> {
    if (!only && this.waiting) return this.waiting.catch(() => undefined);
    const run = async () => {
      if (!only) this.waiting = undefined;
      const consumer = this.opts.consumer();
      if (!consumer) return;
      const offsets: TopicPartitionOffset[] = [];
      for (const [key, tracker] of this.trackers) {
        if (only && !only.includes(key)) continue;
        const offset = tracker.committable();
        if (offset === undefined || offset <= (this.committed.get(key) ?? -1)) continue;
        offsets.push({ ...fromTpKey(key), offset });
      }
      if (offsets.length === 0) return;
      // The offsets were read first: every output of a record counted complete was taken by the
      // producer before this checkpoint, which returns once those are acknowledged. A record cache
      // holds outputs of complete records back, so it is flushed after the read (processing is
      // synchronous: whatever those records put in a cache is in it by now).
      await this.opts.flush?.();
      await this.checkpoint();
      await consumer.commit(offsets);
      for (const o of offsets) this.committed.set(tpKey(o), o.offset);
      this.opts.emitter.emit('node.committed', { node: this.opts.node, offsets });
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    if (!only) this.waiting = next;
    return next;
  }

  /**
   * Before tasks close (revocation, stop): logs what stores hold and waits for it to be acknowledged.
   * A processor may write after the last commit's checkpoint because of it (an emit-final marker
   * moves once its windows' records are durable, see EmittedMarker); closed without this, the task
   * would drop that write, and the partition's next owner would emit those windows again.
   */
  async settleHeld(): Promise<void> {
    await this.opts.flush?.();
    await this.opts.producer.checkpoint?.();
  }

  /**
   * Waits until the producer's writes so far are acknowledged. A timeout loses nothing (the next
   * commit tries again); lost writes make the node read again from its last commit, or, when sending
   * again cannot help (a record the topic refuses), stop it.
   */
  private async checkpoint(): Promise<void> {
    try {
      await this.opts.producer.checkpoint?.();
    } catch (e) {
      if (e instanceof TimeoutError) throw e;
      if (isVisionFlowError(e) && !e.retriable) {
        this.opts.onFatal(new VisionFlowError(
          `node "${this.opts.node}": a write taken since the last commit was refused (${errorMessage(e)}), and sending it again cannot help; the node stops without committing, and reads those records again when it starts`,
          { code: e.code, retriable: false, cause: e },
        ));
      } else {
        this.opts.onLostWrites(e);
      }
      throw e;
    }
  }
}
