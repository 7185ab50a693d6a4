import { avro, type AvroSchema } from '../serde/avro/schema.js';
import { toMillis, type Duration } from '../types.js';
import { ChangeLoggingKeyValueStore } from './change-logging-key-value-store.js';
import { ChangeLoggingWindowStore } from './change-logging-window-store.js';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';
import type { KeyValueStore } from './key-value-store.js';
import type { StoreBuilder } from './state-store.js';
import type { WindowStore } from './window-store.js';

export interface KeyValueStoreOptions<K, V> {
  readonly key: AvroSchema<K>;
  readonly value: AvroSchema<V>;
  /** Keep a changelog and restore from it (default true). Without it the store starts empty. */
  readonly logged?: boolean;
}

/**
 * A key-value store: in memory, change-logged to `<topology>.<node>.<name>.changelog`.
 *
 * @example
 * const seen = keyValueStore('seen', { key: avro.string(), value: avro.long() });
 */
export function keyValueStore<K, V>(name: string, opts: KeyValueStoreOptions<K, V>): StoreBuilder<KeyValueStore<K, V>> {
  const logged = opts.logged ?? true;
  return {
    name,
    kind: 'key-value',
    logged,
    changelogKey: opts.key as AvroSchema<unknown>,
    changelogValue: opts.value as AvroSchema<unknown>,
    build: () => {
      const inner = new InMemoryKeyValueStore<K, V>(name);
      return logged ? new ChangeLoggingKeyValueStore(inner) : inner;
    },
  };
}

export interface WindowStoreOptions<K, V> extends KeyValueStoreOptions<K, V> {
  readonly windowSize: Duration;
  /** How long a window is kept after it ends (at least the grace period). */
  readonly retention: Duration;
}

/** A window store for fixed-size windows (tumbling, hopping); change-logged like key-value stores. */
export function windowStore<K, V>(name: string, opts: WindowStoreOptions<K, V>): StoreBuilder<WindowStore<K, V>> {
  const logged = opts.logged ?? true;
  const sizeMs = toMillis(opts.windowSize, `store "${name}" windowSize`);
  const retentionMs = toMillis(opts.retention, `store "${name}" retention`);
  return {
    name,
    kind: 'window',
    logged,
    retentionMs,
    changelogKey: avro.record(`vision_flow.WindowKey_${name.replace(/[^A-Za-z0-9_]/g, '_')}`, { key: opts.key, start: avro.long() }) as AvroSchema<unknown>,
    changelogValue: opts.value as AvroSchema<unknown>,
    build: () => {
      const inner = new InMemoryWindowStore<K, V>(name, sizeMs, retentionMs);
      return logged ? new ChangeLoggingWindowStore(inner) : inner;
    },
  };
}
