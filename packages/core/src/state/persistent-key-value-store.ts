import type { KeyValueStore } from './key-value-store.js';
import { LmdbBackedStore } from './lmdb-backed-store.js';
import { storeKeyId } from './store-key.js';

/**
 * The innermost key-value layer on disk (lmdb, in the store's folder). Writes stay pending in
 * memory until a checkpoint puts them on disk with the changelog offset they reach, so the disk
 * never holds a write its changelog could have lost. Entries are stored as `[key, value]` under the
 * key's id.
 */
export class PersistentKeyValueStore<K, V> extends LmdbBackedStore implements KeyValueStore<K, V> {
  get(key: K): V | undefined {
    const id = storeKeyId(key);
    const w = this.pending.get(id, 0);
    const stored = (w ? w.value : this.opened().get(id)) as [K, V] | null | undefined;
    return stored ? stored[1] : undefined;
  }

  put(key: K, value: V): void {
    const id = storeKeyId(key);
    this.pending.set(id, 0, { dbKey: id, value: [key, value] });
  }

  delete(key: K): void {
    const id = storeKeyId(key);
    this.pending.set(id, 0, { dbKey: id, value: null });
  }

  /** Every entry: those on disk in key order (as written since, when they were), then new ones. */
  *all(): IterableIterator<[K, V]> {
    const file = this.opened();
    const seen = new Set<string>();
    for (const { key, value } of file.range()) {
      const id = key as string;
      seen.add(id);
      const w = this.pending.get(id, 0);
      const entry = (w ? w.value : value) as [K, V] | null;
      if (entry) yield [entry[0], entry[1]];
    }
    for (const [id, , w] of this.pending.all()) {
      if (seen.has(id) || w.value === null) continue;
      const entry = w.value as [K, V];
      yield [entry[0], entry[1]];
    }
  }

  get approximateNumEntries(): number {
    let n = 0;
    for (const _ of this.all()) n++;
    return n;
  }

  restore(key: unknown, value: unknown | null): void {
    if (value === null) this.delete(key as K);
    else this.put(key as K, value as V);
  }
}
