import type { WindowKey } from './in-memory-window-store.js';
import { LmdbBackedStore } from './lmdb-backed-store.js';
import { storeKeyId } from './store-key.js';
import type { WindowStore, WindowedValue } from './window-store.js';

/**
 * The innermost window layer on disk (lmdb): each window under `[key id, start]`, so one key's
 * windows are one ordered range, stored as `[key, value]`. Writes stay pending until a checkpoint
 * (see PersistentKeyValueStore). Expired windows are removed in memory at once and on disk at the
 * next checkpoint; the disk is scanned for them once per segment (a third of size + retention).
 */
export class PersistentWindowStore<K, V> extends LmdbBackedStore implements WindowStore<K, V> {
  private readonly segmentMs: number;
  /** Windows starting before this are expired: no longer read. */
  private expiredBefore = -Infinity;
  /** Windows starting before this are gone from disk, or removals pending for the next checkpoint. */
  private removedBefore = -Infinity;
  constructor(
    name: string,
    private readonly windowSizeMs: number,
    private readonly retentionMs: number,
  ) {
    super(name);
    this.segmentMs = Math.max(1, Math.floor((windowSizeMs + retentionMs) / 3));
  }

  put(key: K, value: V | null, windowStart: number): void {
    const id = storeKeyId(key);
    this.pending.set(id, windowStart, { dbKey: [id, windowStart], value: value === null ? null : [key, value] });
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    const id = storeKeyId(key);
    const found = new Map<number, V>();
    for (const { key: k, value } of this.opened().range([id, timeFrom], [id, timeTo + 1])) {
      const start = (k as [string, number])[1];
      if (start >= this.expiredBefore) found.set(start, (value as [K, V])[1]);
    }
    for (const [start, w] of this.pending.slots(id)) {
      if (start < timeFrom || start > timeTo) continue;
      if (w.value === null || start < this.expiredBefore) found.delete(start);
      else found.set(start, (w.value as [K, V])[1]);
    }
    return [...found].sort((a, b) => a[0] - b[0]).map(([start, value]) => ({ start, end: start + this.windowSizeMs, value }));
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    const keys = new Map<string, K>();
    for (const { key: k, value } of this.opened().range()) keys.set((k as [string, number])[0], (value as [K, V])[0]);
    for (const [id, , w] of this.pending.all()) if (w.value !== null) keys.set(id, (w.value as [K, V])[0]);
    return [...keys.values()].flatMap((key) => this.fetch(key, timeFrom, timeTo).map((w) => ({ ...w, key })));
  }

  expire(streamTime: number): void {
    const cutoff = streamTime - this.retentionMs - this.windowSizeMs;
    this.expiredBefore = Math.max(this.expiredBefore, cutoff);
    if (cutoff < this.removedBefore + this.segmentMs) return;
    for (const [id, start] of [...this.pending.all()]) if (start < cutoff) this.pending.set(id, start, { dbKey: [id, start], value: null });
    for (const { key: k } of this.opened().range()) {
      const [id, start] = k as [string, number];
      if (start < cutoff && !this.pending.get(id, start)) this.pending.set(id, start, { dbKey: [id, start], value: null });
    }
    this.removedBefore = cutoff;
  }

  restore(key: unknown, value: unknown | null): void {
    const k = key as WindowKey<K>;
    this.put(k.key, value as V | null, k.start);
  }
}
