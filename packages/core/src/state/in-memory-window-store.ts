import type { StoreContext } from './state-store.js';
import type { WindowStore, WindowedValue } from './window-store.js';
import { storeKeyId } from './store-key.js';

/** Changelog key of a window store: the record key and the window start. */
export interface WindowKey<K> {
  readonly key: K;
  readonly start: number;
}

/** The innermost window layer: per key, windows by start time, expired by retention. */
export class InMemoryWindowStore<K, V> implements WindowStore<K, V> {
  readonly persistent = false;
  private open = false;
  private readonly byKey = new Map<string, { key: K; windows: Map<number, V> }>();

  constructor(
    readonly name: string,
    private readonly windowSizeMs: number,
    private readonly retentionMs: number,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  init(_ctx: StoreContext): void {
    this.open = true;
  }

  put(key: K, value: V | null, windowStart: number): void {
    const id = storeKeyId(key);
    let entry = this.byKey.get(id);
    if (value === null) {
      entry?.windows.delete(windowStart);
      if (entry && entry.windows.size === 0) this.byKey.delete(id);
      return;
    }
    if (!entry) this.byKey.set(id, (entry = { key, windows: new Map() }));
    entry.windows.set(windowStart, value);
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    const entry = this.byKey.get(storeKeyId(key));
    if (!entry) return [];
    if (timeFrom === timeTo) {
      // One window: what an aggregation reads for every record it takes.
      const value = entry.windows.get(timeFrom);
      return value === undefined ? [] : [{ start: timeFrom, end: timeFrom + this.windowSizeMs, value }];
    }
    return [...entry.windows.entries()]
      .filter(([start]) => start >= timeFrom && start <= timeTo)
      .sort((a, b) => a[0] - b[0])
      .map(([start, value]) => ({ start, end: start + this.windowSizeMs, value }));
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return [...this.byKey.values()].flatMap((e) => this.fetch(e.key, timeFrom, timeTo).map((w) => ({ ...w, key: e.key })));
  }

  expire(streamTime: number): void {
    const cutoff = streamTime - this.retentionMs - this.windowSizeMs;
    for (const [id, entry] of this.byKey) {
      for (const start of entry.windows.keys()) if (start < cutoff) entry.windows.delete(start);
      if (entry.windows.size === 0) this.byKey.delete(id);
    }
  }

  restore(key: unknown, value: unknown | null): void {
    const k = key as WindowKey<K>;
    this.put(k.key, value as V | null, k.start);
  }

  async flush(): Promise<void> {}

  close(): void {
    this.open = false;
    this.byKey.clear();
  }
}
