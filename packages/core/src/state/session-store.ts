import { avro, type AvroSchema } from '../serde/avro/schema.js';
import { toMillis, type Duration } from '../types.js';
import { ChangeLoggingSessionStore } from './change-logging-session-store.js';
import { InMemorySessionStore } from './in-memory-session-store.js';
import { PersistentSessionStore } from './persistent-session-store.js';
import type { StateStore, StoreBuilder } from './state-store.js';
import type { ReadOnlyWindowStore, WindowedValue } from './window-store.js';

/** Changelog key of a session store: the record key and the session's bounds. */
export interface SessionKey<K> {
  readonly key: K;
  readonly start: number;
  readonly end: number;
}

/**
 * Sessions per key (Kafka Streams' SessionStore): windows `[start, end]`, both inclusive, of
 * variable length. As a read-only window store, `fetch(key, from, to)` returns the sessions that
 * overlap `[from, to]` (both inclusive), ordered by start.
 */
export interface SessionStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /** Sessions of `key` with `end >= earliestEnd` and `start <= latestStart`, ordered by start. */
  findSessions(key: K, earliestEnd: number, latestStart: number): WindowedValue<V>[];
  put(session: SessionKey<K>, value: V): void;
  remove(session: SessionKey<K>): void;
  /** Drops sessions that ended more than the retention before `streamTime`. */
  expire(streamTime: number): void;
}

export interface SessionStoreOptions<K, V> {
  readonly key: AvroSchema<K>;
  readonly value: AvroSchema<V>;
  /** How long a session is kept after its end (at least gap + grace). */
  readonly retention: Duration;
  /** Keep a changelog and restore from it (default true). */
  readonly logged?: boolean;
  /** Keep the sessions on local disk too, so a restart restores only the changelog's tail (default false). */
  readonly persistent?: boolean;
  /** Hold changelog writes until the node's next commit, each session's latest then (see KeyValueStoreOptions.logOnCommit). */
  readonly logOnCommit?: boolean;
}

/** A session store: in memory (or on disk with `persistent: true`), change-logged as `{ key, start, end } → value` (a removal as a tombstone). */
export function sessionStore<K, V>(name: string, opts: SessionStoreOptions<K, V>): StoreBuilder<SessionStore<K, V>> {
  const logged = opts.logged ?? true;
  const retentionMs = toMillis(opts.retention, `store "${name}" retention`);
  return {
    name,
    // Served and retained like a window store: fetch by key and time range, expired by retention.
    kind: 'window',
    logged,
    persistent: opts.persistent ?? false,
    retentionMs,
    changelogKey: avro.record(`vision_flow.SessionKey_${name.replace(/[^A-Za-z0-9_]/g, '_')}`, { key: opts.key, start: avro.long(), end: avro.long() }) as AvroSchema<unknown>,
    changelogValue: opts.value as AvroSchema<unknown>,
    build: () => {
      const inner = opts.persistent ? new PersistentSessionStore<K, V>(name, retentionMs) : new InMemorySessionStore<K, V>(name, retentionMs);
      return logged ? new ChangeLoggingSessionStore(inner, opts.logOnCommit) : inner;
    },
  };
}
