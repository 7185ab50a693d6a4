import { ChangeLoggingStore } from './change-logging-store.js';
import type { WindowKey } from './in-memory-window-store.js';
import { storeKeyId } from './store-key.js';
import type { WindowStore, WindowedValue } from './window-store.js';

/** Logs each window write as `{ key, start } → value` to the compacted changelog. */
export class ChangeLoggingWindowStore<K, V> extends ChangeLoggingStore<WindowStore<K, V>> implements WindowStore<K, V> {
  put(key: K, value: V | null, windowStart: number): void {
    this.inner.put(key, value, windowStart);
    const logKey: WindowKey<K> = { key, start: windowStart };
    this.log(logKey, value, windowStart);
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.inner.fetch(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return this.inner.fetchAll(timeFrom, timeTo);
  }

  /** Within the group of its window start (see `put`). */
  protected logId(k: WindowKey<K>): string {
    return storeKeyId(k.key);
  }

  /** Expiry is local only: the compacted changelog keeps the last value, and restore expires again. */
  expire(streamTime: number): void {
    this.inner.expire(streamTime);
  }
}
