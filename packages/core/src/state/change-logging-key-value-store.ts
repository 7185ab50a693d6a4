import type { KeyValueStore } from './key-value-store.js';
import type { StoreCheckpoint } from './store-checkpoint.js';
import type { StoreContext } from './state-store.js';

/**
 * Sends every write to the store's compacted changelog topic (a delete as a tombstone), so the
 * store can be rebuilt anywhere from the log: state as a projection of events.
 */
export class ChangeLoggingKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private ctx: StoreContext | undefined;

  constructor(private readonly inner: KeyValueStore<K, V>) {}

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
  get approximateNumEntries(): number {
    return this.inner.approximateNumEntries;
  }

  init(ctx: StoreContext): void {
    this.ctx = ctx;
    this.inner.init(ctx);
  }

  get(key: K): V | undefined {
    return this.inner.get(key);
  }

  all(): IterableIterator<[K, V]> {
    return this.inner.all();
  }

  put(key: K, value: V): void {
    this.inner.put(key, value);
    this.ctx?.log(key, value, Date.now());
  }

  delete(key: K): void {
    this.inner.delete(key);
    this.ctx?.log(key, null, Date.now());
  }

  restore(key: unknown, value: unknown | null): void {
    this.inner.restore(key, value);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }
}
