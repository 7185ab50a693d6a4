import type { StoreCheckpoint } from './store-checkpoint.js';
import type { StoreContext } from './state-store.js';
import type { WindowStore, WindowedValue } from './window-store.js';
import type { WindowKey } from './in-memory-window-store.js';

/** Logs each window write as `{ key, start } → value` to the compacted changelog. */
export class ChangeLoggingWindowStore<K, V> implements WindowStore<K, V> {
  private ctx: StoreContext | undefined;

  constructor(private readonly inner: WindowStore<K, V>) {}

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

  put(key: K, value: V | null, windowStart: number): void {
    this.inner.put(key, value, windowStart);
    const logKey: WindowKey<K> = { key, start: windowStart };
    this.ctx?.log(logKey, value, Date.now());
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.inner.fetch(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return this.inner.fetchAll(timeFrom, timeTo);
  }

  /** Expiry is local only: the compacted changelog keeps the last value, and restore expires again. */
  expire(streamTime: number): void {
    this.inner.expire(streamTime);
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
