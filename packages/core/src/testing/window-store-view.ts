import type { StateStore } from '../state/state-store.js';
import type { ReadOnlyWindowStore, WindowedValue } from '../state/window-store.js';

/**
 * One window store of a node read across all its tasks (partitions), as if it were one store.
 * It asks the running tasks on every read, so it sees tasks made after it.
 */
export class WindowStoreView<K, V> implements ReadOnlyWindowStore<K, V> {
  constructor(private readonly stores: () => ReadonlyMap<number, StateStore>) {}

  /** Windows of `key` whose start lies in `[timeFrom, timeTo]` (both inclusive), ordered by start. */
  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.partitions()
      .flatMap((s) => s.fetch(key, timeFrom, timeTo))
      .sort((a, b) => a.start - b.start);
  }

  /** Every key's windows whose start lies in `[timeFrom, timeTo]` (both inclusive), ordered by start. */
  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return this.partitions()
      .flatMap((s) => s.fetchAll(timeFrom, timeTo))
      .sort((a, b) => a.start - b.start);
  }

  private partitions(): ReadOnlyWindowStore<K, V>[] {
    return [...this.stores()].sort(([a], [b]) => a - b).map(([, s]) => s as unknown as ReadOnlyWindowStore<K, V>);
  }
}
