import type { StoreCheckpoint } from './store-checkpoint.js';
import type { StateStore, StoreContext } from './state-store.js';

/**
 * What every change-logging decorator shares: the inner store's lifecycle passed through, and
 * `log` sending one write to the store's compacted changelog (a null value is a tombstone), so
 * the store can be rebuilt anywhere from the log. Subclasses add the reads and writes of their
 * store kind and log each write.
 */
export abstract class ChangeLoggingStore<S extends StateStore> implements StateStore {
  private ctx: StoreContext | undefined;

  constructor(protected readonly inner: S) {}

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
    this.inner.init(ctx);
  }

  /** Applies a changelog record during restore, without logging it again. */
  restore(key: unknown, value: unknown | null): void {
    this.inner.restore(key, value);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }

  protected log(key: unknown, value: unknown | null): void {
    this.ctx?.log(key, value, Date.now());
  }
}
