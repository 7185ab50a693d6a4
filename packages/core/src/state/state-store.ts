import type { AvroSchema } from '../serde/avro/schema.js';
import type { StoreCheckpoint } from './store-checkpoint.js';

/**
 * What a store needs from the runtime when it opens. Change-logging stores send every write to
 * `log`; the runtime tracks those writes so an input offset is committed only once they are durable.
 */
export interface StoreContext {
  readonly topology: string;
  readonly node: string;
  /** The task (input partition) this store instance belongs to; its changelog partition. */
  readonly partition: number;
  /** Name of the compacted changelog topic, `<topology>.<node>.<store>.changelog`. */
  readonly changelogTopic: string;
  /** The folder of this store instance (`<stateDir>/<topology>/<node>/<store>/<partition>`), for persistent stores. */
  readonly directory?: string | undefined;
  /**
   * Whether the runtime flushes the store before each commit of the input offsets whose records
   * wrote to it (a node reading topics): a store that logs on commit may hold writes until then.
   * Absent or false (a source node, whose records are done only once their writes are; a test
   * harness): every write is logged at once.
   */
  readonly flushedBeforeCommit?: boolean;
  /** Encodes and writes one changelog record; null value = delete. */
  log(key: unknown, value: unknown | null, timestamp: number): void;
}

/** The lifecycle every store shares (Kafka Streams' StateStore). */
export interface StateStore {
  readonly name: string;
  /** Whether the store survives a restart by itself (false: it is rebuilt from its changelog). */
  readonly persistent: boolean;
  readonly isOpen: boolean;
  /** A persistent store's disk side: restore starts at its offset (see StoreCheckpoint). */
  readonly checkpoint?: StoreCheckpoint | undefined;
  init(ctx: StoreContext): void;
  /** Applies one changelog record during restore, without logging it again. */
  restore(key: unknown, value: unknown | null): void;
  /** Before each commit (see StoreContext): writes held back go out; resolves once the store is done. */
  flush(): Promise<void>;
  close(): void;
}

/** How to build a store and describe it: the runtime creates one instance per task. */
export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  readonly kind: 'key-value' | 'window';
  /** Keep a changelog topic and restore from it on start (default true). */
  readonly logged: boolean;
  /** Schemas of the changelog's key and value (window stores log `{ key, start }` keys). */
  readonly changelogKey: AvroSchema<unknown>;
  readonly changelogValue: AvroSchema<unknown>;
  /** Window stores: how long windows are kept after their end, in ms. */
  readonly retentionMs?: number;
  /** How long the changelog keeps a record (window stores: size + retention; `compact,delete`); undefined: compacted only. */
  readonly changelogRetentionMs?: number;
  /** Whether its instances keep their data on disk (see docs/state-stores.md). */
  readonly persistent?: boolean;
  build(): S;
}
