import { avro, type AvroSchema } from '../serde/avro/schema.js';
import { toMillis, type Duration } from '../types.js';
import { ChangeLoggingKeyValueStore } from './change-logging-key-value-store.js';
import { ChangeLoggingWindowStore } from './change-logging-window-store.js';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';
import type { KeyValueStore } from './key-value-store.js';
import { PersistentKeyValueStore } from './persistent-key-value-store.js';
import { PersistentWindowStore } from './persistent-window-store.js';
import type { StoreBuilder } from './state-store.js';
import type { WindowStore } from './window-store.js';

export interface KeyValueStoreOptions<K, V> {
  readonly key: AvroSchema<K>;
  readonly value: AvroSchema<V>;
  /** Keep a changelog and restore from it (default true). Without it the store starts empty. */
  readonly logged?: boolean;
  /**
   * Keep the data on disk too (lmdb, under the run's state directory), with the changelog offset it
   * reflects, so a restart restores only the changelog's tail (default false: in memory, restored whole).
   */
  readonly persistent?: boolean;
  /**
   * Hold changelog writes until the node's next commit and log each key's latest then (Kafka
   * Streams' caching store): one changelog record per key and commit interval instead of one per
   * write. Restore after a crash gives the state of the last commit; its input is read again from
   * there (at-least-once). Default false: every write is logged at once.
   */
  readonly logOnCommit?: boolean;
}

/**
 * A key-value store: in memory (or on disk with `persistent: true`), change-logged to
 * `<topology>.<node>.<name>.changelog`.
 *
 * @example
 * const seen = keyValueStore('seen', { key: avro.string(), value: avro.long(), persistent: true });
 */
export function keyValueStore<K, V>(name: string, opts: KeyValueStoreOptions<K, V>): StoreBuilder<KeyValueStore<K, V>> {
  const logged = opts.logged ?? true;
  return {
    name,
    kind: 'key-value',
    logged,
    persistent: opts.persistent ?? false,
    changelogKey: opts.key as AvroSchema<unknown>,
    changelogValue: opts.value as AvroSchema<unknown>,
    build: () => {
      const inner = opts.persistent ? new PersistentKeyValueStore<K, V>(name) : new InMemoryKeyValueStore<K, V>(name);
      return logged ? new ChangeLoggingKeyValueStore(inner, opts.logOnCommit) : inner;
    },
  };
}

export interface WindowStoreOptions<K, V> extends KeyValueStoreOptions<K, V> {
  readonly windowSize: Duration;
  /** How long a window is kept after it ends (at least the grace period). */
  readonly retention: Duration;
}

/**
 * A window store for fixed-size windows (tumbling, hopping); change-logged like key-value stores,
 * to a changelog that also deletes records older than size + retention (`compact,delete`).
 */
export function windowStore<K, V>(name: string, opts: WindowStoreOptions<K, V>): StoreBuilder<WindowStore<K, V>> {
  const logged = opts.logged ?? true;
  const sizeMs = toMillis(opts.windowSize, `store "${name}" windowSize`);
  const retentionMs = toMillis(opts.retention, `store "${name}" retention`);
  return {
    name,
    kind: 'window',
    logged,
    retentionMs,
    changelogRetentionMs: sizeMs + retentionMs,
    persistent: opts.persistent ?? false,
    changelogKey: avro.record(`vision_flow.WindowKey_${name.replace(/[^A-Za-z0-9_]/g, '_')}`, { key: opts.key, start: avro.long() }) as AvroSchema<unknown>,
    changelogValue: opts.value as AvroSchema<unknown>,
    build: () => {
      const inner = opts.persistent ? new PersistentWindowStore<K, V>(name, sizeMs, retentionMs) : new InMemoryWindowStore<K, V>(name, sizeMs, retentionMs);
      return logged ? new ChangeLoggingWindowStore(inner, opts.logOnCommit) : inner;
    },
  };
}
