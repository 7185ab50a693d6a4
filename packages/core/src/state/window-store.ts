import type { StateStore } from './state-store.js';

/** One window's value: `[start, end)` in event-time milliseconds. */
export interface WindowedValue<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** Reads of a window store (Kafka Streams' ReadOnlyWindowStore). */
export interface ReadOnlyWindowStore<K, V> {
  /** Windows of `key` whose start lies in `[timeFrom, timeTo]`: BOTH ends inclusive; ordered by start. */
  fetch(key: K, timeFrom: number, timeTo: number): WindowedValue<V>[];
  /** Every key's windows whose start lies in `[timeFrom, timeTo]`, both ends inclusive. */
  fetchAll(timeFrom: number, timeTo: number): Array<WindowedValue<V> & { readonly key: K }>;
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /** Writes the window starting at `windowStart`; `null` removes it. */
  put(key: K, value: V | null, windowStart: number): void;
  /** Drops windows that ended more than the retention before `streamTime`. */
  expire(streamTime: number): void;
}
