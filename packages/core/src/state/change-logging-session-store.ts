import type { SessionKey, SessionStore } from './session-store.js';
import type { StoreContext } from './state-store.js';
import type { WindowedValue } from './window-store.js';

/** Logs each session write as `{ key, start, end } → value`, a removal as a tombstone. */
export class ChangeLoggingSessionStore<K, V> implements SessionStore<K, V> {
  private ctx: StoreContext | undefined;

  constructor(private readonly inner: SessionStore<K, V>) {}

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  init(ctx: StoreContext): void {
    this.ctx = ctx;
    this.inner.init(ctx);
  }

  findSessions(key: K, earliestEnd: number, latestStart: number): WindowedValue<V>[] {
    return this.inner.findSessions(key, earliestEnd, latestStart);
  }

  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[] {
    return this.inner.fetch(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }> {
    return this.inner.fetchAll(timeFrom, timeTo);
  }

  put(session: SessionKey<K>, value: V): void {
    this.inner.put(session, value);
    this.ctx?.log({ key: session.key, start: session.start, end: session.end }, value, Date.now());
  }

  remove(session: SessionKey<K>): void {
    this.inner.remove(session);
    this.ctx?.log({ key: session.key, start: session.start, end: session.end }, null, Date.now());
  }

  /** Expiry is local only, as for window stores: restore expires again. */
  expire(streamTime: number): void {
    this.inner.expire(streamTime);
  }

  restore(key: unknown, value: unknown | null): void {
    this.inner.restore(key, value);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }
}
