import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { StateStore } from '../state/state-store.js';

/**
 * One key-value store of a node read across all its tasks (partitions), as if it were one store.
 * It asks the running tasks on every read, so it sees tasks made after it.
 */
export class KeyValueStoreView<K, V> implements ReadOnlyKeyValueStore<K, V> {
  constructor(private readonly stores: () => ReadonlyMap<number, StateStore>) {}

  get(key: K): V | undefined {
    for (const store of this.partitions()) {
      const v = store.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Every entry, partition by partition (insertion order within each). */
  *all(): IterableIterator<[K, V]> {
    for (const store of this.partitions()) yield* store.all();
  }

  get approximateNumEntries(): number {
    return this.partitions().reduce((n, s) => n + s.approximateNumEntries, 0);
  }

  private partitions(): ReadOnlyKeyValueStore<K, V>[] {
    return [...this.stores()].sort(([a], [b]) => a - b).map(([, s]) => s as unknown as ReadOnlyKeyValueStore<K, V>);
  }
}
