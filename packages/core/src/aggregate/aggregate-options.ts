import type { AvroSchema } from '../serde/avro/schema.js';
import type { CacheOptions } from './record-cache.js';
import type { Duration } from '../types.js';

/** When a windowed aggregation emits: on every change, or once per window when it closes. */
export type EmitMode = 'update' | 'final';

/** Options every aggregation takes. */
export interface AggregateOptions<K> {
  /** Name of the operator and of its state store (changelog `<topology>.<node>.<name>.changelog`). */
  readonly name: string;
  /** Avro schema of the record keys: the store's (and its changelog's) key. */
  readonly key: AvroSchema<K>;
  /** Keep the store on local disk as well, so a restart restores only the changelog's tail. */
  readonly persistent?: boolean;
  /** Keep a changelog and restore from it (default true). */
  readonly logged?: boolean;
  /**
   * Emit updates rate-limited: hold them back and emit only each key's (and window's) latest at
   * each commit of the node (node option `commitInterval`, default 1 s), at the end of a bounded
   * input, or when `maxEntries` keys are held (Kafka Streams' record cache). Update mode only.
   */
  readonly cache?: boolean | CacheOptions;
}

/** Options of an aggregation whose result type is not a count. */
export interface ValueOptions<A> {
  /** Avro schema of the aggregate: the store's value. */
  readonly value: AvroSchema<A>;
}

/** Options of a windowed aggregation. */
export interface WindowedOptions<E extends EmitMode = EmitMode> {
  /**
   * `'update'` (default) emits the window's new aggregate on every record; `'final'` emits each
   * window once, when stream time reaches its end + grace (Kafka Streams'
   * `emitStrategy(onWindowClose)`), and at the end of a bounded input every window still open.
   */
  readonly emit?: E;
  /** How long windows stay in the store after they end (default: the grace period, so size + grace in all; sliding: grace + time difference). */
  readonly retention?: Duration;
}
