import { EMPTY_HEADERS, mergeHeaders, type Headers } from './headers.js';

/** Where a record was read from. Records made by a source or a punctuation have none. */
export interface RecordSource {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are int64; JS numbers hold them exactly up to 2^53. */
  readonly offset: number;
}

export interface StreamRecordInit<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time in epoch milliseconds; defaults to now. */
  readonly timestamp?: number;
  readonly headers?: Headers;
  readonly source?: RecordSource;
}

/**
 * An immutable stream record: key, value, event timestamp, headers and where it came from.
 * Copy it with `withKey`, `withValue`, `withTimestamp` or `withHeaders`; the copy keeps every other
 * field, so provenance (`source`, trace headers) survives any chain of operators.
 *
 * Named `StreamRecord` (alias `Rec`) so it never hides TypeScript's global `Record<K, V>`.
 */
const RECORD = Symbol.for('vision-flow.record');

export class StreamRecord<K, V> {
  /** Brand that survives duplicate copies of this package (e.g. a topology loaded by another loader). */
  readonly [RECORD] = true;
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly source: RecordSource | undefined;

  constructor(init: StreamRecordInit<K, V>) {
    this.key = init.key;
    this.value = init.value;
    this.timestamp = init.timestamp ?? Date.now();
    this.headers = init.headers ?? EMPTY_HEADERS;
    this.source = init.source;
    Object.freeze(this);
  }

  withKey<K2>(key: K2): StreamRecord<K2, V> {
    return new StreamRecord({ key, value: this.value, timestamp: this.timestamp, headers: this.headers, source: this.source });
  }

  withValue<V2>(value: V2): StreamRecord<K, V2> {
    return new StreamRecord({ key: this.key, value, timestamp: this.timestamp, headers: this.headers, source: this.source });
  }

  withTimestamp(timestamp: number): StreamRecord<K, V> {
    return new StreamRecord({ key: this.key, value: this.value, timestamp, headers: this.headers, source: this.source });
  }

  /** Adds or replaces the given headers; the others are kept. */
  withHeaders(headers: Headers): StreamRecord<K, V> {
    return new StreamRecord({ key: this.key, value: this.value, timestamp: this.timestamp, headers: mergeHeaders(this.headers, headers), source: this.source });
  }
}

/** Whether `x` is a StreamRecord, even one made by another copy of @vision-flow/core. */
export function isStreamRecord(x: unknown): x is StreamRecord<unknown, unknown> {
  return typeof x === 'object' && x !== null && (x as { [RECORD]?: unknown })[RECORD] === true;
}

/** Short alias used throughout operator signatures. */
export type Rec<K, V> = StreamRecord<K, V>;

/** Creates a record; the usual way for sources and tests. */
export function record<K, V>(init: StreamRecordInit<K, V>): StreamRecord<K, V> {
  return new StreamRecord(init);
}

export function describeSource(source: RecordSource | undefined): string {
  return source ? `${source.topic}/${source.partition}@${source.offset}` : 'no source';
}
