import type { SessionKey, SessionStore } from './session-store.js';
import type { StoreContext } from './state-store.js';
import { storeKeyId } from './store-key.js';
import type { WindowedValue } from './window-store.js';

type Session<V> = { start: number; end: number; value: V };

/** The innermost session layer: per key, sessions ordered by start. */
export class InMemorySessionStore<K, V> implements SessionStore<K, V> {
  readonly persistent = false;
  private open = false;
  private readonly byKey = new Map<string, { key: K; sessions: Session<V>[] }>();

  constructor(
    readonly name: string,
    private readonly retentionMs: number,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  init(_ctx: StoreContext): void {
    this.open = true;
  }

  findSessions(key: K, earliestEnd: number, latestStart: number): WindowedValue<V>[] {
    const entry = this.byKey.get(storeKeyId(key));
    if (!entry) return [];
    return entry.sessions.filter((s) => s.end >= earliestEnd && s.start <= latestStart).map((s) => ({ ...s }));
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.findSessions(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return [...this.byKey.values()].flatMap((e) => this.findSessions(e.key, timeFrom, timeTo).map((s) => ({ ...s, key: e.key })));
  }

  put(session: SessionKey<K>, value: V): void {
    const id = storeKeyId(session.key);
    let entry = this.byKey.get(id);
    if (!entry) this.byKey.set(id, (entry = { key: session.key, sessions: [] }));
    const list = entry.sessions;
    const at = list.findIndex((s) => s.start === session.start && s.end === session.end);
    if (at >= 0) {
      list[at] = { start: session.start, end: session.end, value };
      return;
    }
    let i = list.length;
    while (i > 0 && list[i - 1]!.start > session.start) i--;
    list.splice(i, 0, { start: session.start, end: session.end, value });
  }

  remove(session: SessionKey<K>): void {
    const id = storeKeyId(session.key);
    const entry = this.byKey.get(id);
    if (!entry) return;
    entry.sessions = entry.sessions.filter((s) => s.start !== session.start || s.end !== session.end);
    if (entry.sessions.length === 0) this.byKey.delete(id);
  }

  expire(streamTime: number): void {
    const cutoff = streamTime - this.retentionMs;
    for (const [id, entry] of this.byKey) {
      if (entry.sessions.every((s) => s.end >= cutoff)) continue;
      entry.sessions = entry.sessions.filter((s) => s.end >= cutoff);
      if (entry.sessions.length === 0) this.byKey.delete(id);
    }
  }

  restore(key: unknown, value: unknown | null): void {
    const k = key as SessionKey<K>;
    if (value === null) this.remove(k);
    else this.put(k, value as V);
  }

  async flush(): Promise<void> {}

  close(): void {
    this.open = false;
    this.byKey.clear();
  }
}
