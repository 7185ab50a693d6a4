import { ChangeLoggingStore } from './change-logging-store.js';
import type { SessionKey, SessionStore } from './session-store.js';
import { storeKeyId } from './store-key.js';
import type { WindowedValue } from './window-store.js';

/** Logs each session write as `{ key, start, end } → value`, a removal as a tombstone. */
export class ChangeLoggingSessionStore<K, V> extends ChangeLoggingStore<SessionStore<K, V>> implements SessionStore<K, V> {
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
    this.log({ key: session.key, start: session.start, end: session.end }, value);
  }

  remove(session: SessionKey<K>): void {
    this.inner.remove(session);
    this.log({ key: session.key, start: session.start, end: session.end }, null);
  }

  protected logId(s: SessionKey<K>): string {
    return `${s.start}@${s.end}@${storeKeyId(s.key)}`;
  }

  /** Expiry is local only, as for window stores: restore expires again. */
  expire(streamTime: number): void {
    this.inner.expire(streamTime);
  }
}
