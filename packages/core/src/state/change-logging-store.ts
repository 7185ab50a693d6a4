import { HeldWrites } from './held-writes.js';
import type { StoreCheckpoint } from './store-checkpoint.js';
import type { StateStore, StoreContext } from './state-store.js';

/** Changelog writes held at most per store when logging on commit; past it the oldest is logged at once. */
export const MAX_HELD_LOG_WRITES = 10_000;

/**
 * What every change-logging decorator shares: the inner store's lifecycle passed through, and
 * `log` sending one write to the store's compacted changelog (a null value is a tombstone), so
 * the store can be rebuilt anywhere from the log. Subclasses add the reads and writes of their
 * store kind and log each write.
 *
 * With `logOnCommit` (and a runtime that flushes stores before each commit, see StoreContext),
 * writes are held and each changelog key's latest is logged at the next flush: Kafka Streams'
 * caching store above its change-logging store. An aggregation updating a key many times per
 * commit interval then writes its changelog once per key and interval. Reads go to the inner
 * store, which has every write at once.
 */
export abstract class ChangeLoggingStore<S extends StateStore> implements StateStore {
  private ctx: StoreContext | undefined;
  /** By changelog key, in first-write order: the writes the next flush logs. */
  private held: HeldWrites | undefined;

  constructor(
    protected readonly inner: S,
    private readonly logOnCommit = false,
  ) {}

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  get checkpoint(): StoreCheckpoint | undefined {
    return this.inner.checkpoint;
  }

  init(ctx: StoreContext): void {
    this.ctx = ctx;
    if (this.logOnCommit && ctx.flushedBeforeCommit) this.held = new HeldWrites(MAX_HELD_LOG_WRITES);
    this.inner.init(ctx);
  }

  /** Applies a changelog record during restore, without logging it again. */
  restore(key: unknown, value: unknown | null): void {
    this.inner.restore(key, value);
  }

  /** Logs the held writes (the runtime then waits until the producer has them), then flushes the inner store. */
  flush(): Promise<void> {
    if (this.held && this.held.size > 0) {
      const now = Date.now();
      for (const w of this.held.take()) this.ctx?.log(w.key, w.value, now);
    }
    return this.inner.flush();
  }

  /** Held writes are dropped: their input offsets were not committed, so their records run again. */
  close(): void {
    this.held?.clear();
    this.inner.close();
  }

  /**
   * A changelog key as a string, equal for equal keys within its `group` (see `log`): what held
   * writes are deduplicated by.
   */
  protected abstract logId(key: unknown): string;

  /**
   * Logs one write of the changelog key `key`. `group` (a window's start, say) and `logId(key)`
   * together name the changelog key: splitting it spares building a string per write.
   */
  protected log(key: unknown, value: unknown | null, group: number | string = ''): void {
    const held = this.held;
    if (!held) return this.ctx?.log(key, value, Date.now());
    const evicted = held.hold(group, this.logId(key), key, value);
    if (evicted) this.ctx?.log(evicted.key, evicted.value, Date.now());
  }
}
