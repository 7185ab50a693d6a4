import { ChangeLoggingStore } from './change-logging-store.js';
import type { KeyValueStore } from './key-value-store.js';
import { storeKeyId } from './store-key.js';

/**
 * Sends every write to the store's compacted changelog topic (a delete as a tombstone), so the
 * store can be rebuilt anywhere from the log: state as a projection of events.
 */
export class ChangeLoggingKeyValueStore<K, V> extends ChangeLoggingStore<KeyValueStore<K, V>> implements KeyValueStore<K, V> {
  get approximateNumEntries(): number {
    return this.inner.approximateNumEntries;
  }

  get(key: K): V | undefined {
    return this.inner.get(key);
  }

  all(): IterableIterator<[K, V]> {
    return this.inner.all();
  }

  put(key: K, value: V): void {
    this.inner.put(key, value);
    this.log(key, value);
  }

  delete(key: K): void {
    this.inner.delete(key);
    this.log(key, null);
  }

  protected logId(key: K): string {
    return storeKeyId(key);
  }
}
