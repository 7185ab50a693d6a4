/**
 * How an aggregation folds values, whatever it is stored per (key, window or session). `reduce`
 * has no initial value: its `init` is undefined and the first value starts the aggregate, as
 * Kafka Streams builds reduce on aggregate with a null initializer.
 */
export interface Aggregation<K, V, A> {
  init(): A | undefined;
  add(key: K, value: V, agg: A | undefined): A;
  /** Folds one merged-away session's aggregate into the merged one (session windows only). */
  merge(key: K, acc: A | undefined, next: A): A;
}

export function countAggregation<K>(): Aggregation<K, unknown, number> {
  return { init: () => 0, add: (_k, _v, agg) => (agg ?? 0) + 1, merge: (_k, acc, next) => (acc ?? 0) + next };
}

export function reduceAggregation<K, V>(fn: (agg: V, value: V) => V): Aggregation<K, V, V> {
  return {
    init: () => undefined,
    add: (_k, value, agg) => (agg === undefined ? value : fn(agg, value)),
    merge: (_k, acc, next) => (acc === undefined ? next : fn(acc, next)),
  };
}

export function foldAggregation<K, V, A>(
  init: () => A,
  fn: (agg: A, value: V, key: K) => A,
  merge: (a: A, b: A, key: K) => A = () => {
    throw new Error('aggregate over session windows needs a merge function');
  },
): Aggregation<K, V, A> {
  return {
    init,
    add: (key, value, agg) => fn(agg === undefined ? init() : agg, value, key),
    merge: (key, acc, next) => merge(acc === undefined ? init() : acc, next, key),
  };
}
