import type { KeyValueStore } from './key-value-store.js';
import type { StoreContext } from './state-store.js';
import { storeKeyId } from './store-key.js';

/** The innermost key-value layer: a Map, rebuilt from the changelog on start. */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly persistent = false;
  private open = false;
  private readonly entries = new Map<string, [K, V]>();

  constructor(readonly name: string) {}

  get isOpen(): boolean {
    return this.open;
  }

  init(_ctx: StoreContext): void {
    this.open = true;
  }

  get(key: K): V | undefined {
    return this.entries.get(storeKeyId(key))?.[1];
  }

  put(key: K, value: V): void {
    this.entries.set(storeKeyId(key), [key, value]);
  }

  delete(key: K): void {
    this.entries.delete(storeKeyId(key));
  }

  *all(): IterableIterator<[K, V]> {
    for (const entry of this.entries.values()) yield [entry[0], entry[1]];
  }

  get approximateNumEntries(): number {
    return this.entries.size;
  }

  restore(key: unknown, value: unknown | null): void {
    if (value === null) this.delete(key as K);
    else this.put(key as K, value as V);
  }

  async flush(): Promise<void> {}

  close(): void {
    this.open = false;
    this.entries.clear();
  }
}
