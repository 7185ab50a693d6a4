import type { StateStore } from './state-store.js';

/** Reads of a key-value store, as served by query views. */
export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined;
  /** Every entry; order is insertion order of first write. */
  all(): IterableIterator<[K, V]>;
  readonly approximateNumEntries: number;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  put(key: K, value: V): void;
  delete(key: K): void;
}
