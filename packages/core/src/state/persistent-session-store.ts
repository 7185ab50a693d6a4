import { LmdbBackedStore } from './lmdb-backed-store.js';
import type { SessionKey, SessionStore } from './session-store.js';
import { storeKeyId } from './store-key.js';
import type { WindowedValue } from './window-store.js';

/** What is stored per session: the record key (for fetchAll), the session's end and its value. */
type Stored<K, V> = [key: K, end: number, value: V];

/**
 * The innermost session layer on disk (lmdb): each session under `[key id, start]` — a key's
 * sessions never overlap, so the start names one — so one key's sessions are one range ordered by
 * start. Writes stay pending until a checkpoint (see LmdbBackedStore); expired sessions are removed
 * in memory at once and on disk at the next checkpoint, scanned for once per third of the retention.
 */
export class PersistentSessionStore<K, V> extends LmdbBackedStore implements SessionStore<K, V> {
  private readonly segmentMs: number;
  /** Sessions ending before this are expired: no longer read. */
  private expiredBefore = -Infinity;
  /** Sessions ending before this are gone from disk, or their removals are pending. */
  private removedBefore = -Infinity;

  constructor(
    name: string,
    private readonly retentionMs: number,
  ) {
    super(name);
    this.segmentMs = Math.max(1, Math.floor(retentionMs / 3));
  }

  findSessions(key: K, earliestEnd: number, latestStart: number): WindowedValue<V>[] {
    return this.sessionsOf(storeKeyId(key), latestStart)
      .filter(([, [, end]]) => end >= earliestEnd && end >= this.expiredBefore)
      .map(([start, [, end, value]]) => ({ start, end, value }));
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.findSessions(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    const keys = new Map<string, K>();
    for (const { key: k, value } of this.opened().range()) keys.set((k as [string, number])[0], (value as Stored<K, V>)[0]);
    for (const [id, , w] of this.pending.all()) if (w.value !== null) keys.set(id, (w.value as Stored<K, V>)[0]);
    return [...keys.values()].flatMap((key) => this.findSessions(key, timeFrom, timeTo).map((s) => ({ ...s, key })));
  }

  put(session: SessionKey<K>, value: V): void {
    const id = storeKeyId(session.key);
    const stored: Stored<K, V> = [session.key, session.end, value];
    this.pending.set(id, session.start, { dbKey: [id, session.start], value: stored });
  }

  remove(session: SessionKey<K>): void {
    const id = storeKeyId(session.key);
    // Only that exact session: a session since extended from the same start is another one.
    const current = this.current(id, session.start);
    if (current === undefined || current[1] !== session.end) return;
    this.pending.set(id, session.start, { dbKey: [id, session.start], value: null });
  }

  expire(streamTime: number): void {
    const cutoff = streamTime - this.retentionMs;
    this.expiredBefore = Math.max(this.expiredBefore, cutoff);
    if (cutoff < this.removedBefore + this.segmentMs) return;
    for (const [id, start, w] of [...this.pending.all()]) {
      if (w.value !== null && (w.value as Stored<K, V>)[1] < cutoff) this.pending.set(id, start, { dbKey: [id, start], value: null });
    }
    for (const { key: k, value } of this.opened().range()) {
      const [id, start] = k as [string, number];
      if ((value as Stored<K, V>)[1] < cutoff && !this.pending.get(id, start)) this.pending.set(id, start, { dbKey: [id, start], value: null });
    }
    this.removedBefore = cutoff;
  }

  restore(key: unknown, value: unknown | null): void {
    const k = key as SessionKey<K>;
    if (value === null) this.remove(k);
    else this.put(k, value as V);
  }

  /** The session starting at `start`, pending first, then on disk. */
  private current(id: string, start: number): Stored<K, V> | undefined {
    const w = this.pending.get(id, start);
    if (w) return (w.value ?? undefined) as Stored<K, V> | undefined;
    return this.opened().get([id, start]) as Stored<K, V> | undefined;
  }

  /** A key's sessions starting at or before `latestStart`, by start: disk overlaid with pending writes. */
  private sessionsOf(id: string, latestStart: number): Array<[number, Stored<K, V>]> {
    const found = new Map<number, Stored<K, V>>();
    for (const { key: k, value } of this.opened().range([id, -Number.MAX_VALUE], [id, latestStart + 1])) found.set((k as [string, number])[1], value as Stored<K, V>);
    for (const [start, w] of this.pending.slots(id)) {
      if (start > latestStart) continue;
      if (w.value === null) found.delete(start);
      else found.set(start, w.value as Stored<K, V>);
    }
    return [...found].sort((a, b) => a[0] - b[0]);
  }
}
