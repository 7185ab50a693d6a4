import type { StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import type { AggregateOptions, ValueOptions } from './aggregate-options.js';
import { reduceAggregation } from './aggregation.js';
import { keyAggregation } from './key-aggregation.js';

/**
 * Combines the values of each key with `fn(aggregate, value)`; the first value of a key is its
 * first aggregate (Kafka Streams' `reduce`). Emits the key's new aggregate on every record.
 *
 * When to use: a running max, latest or sum per key where the result has the value's type.
 *
 * @example
 * n.from(readings).pipe(reduce((a, b) => (b.level > a.level ? b : a), { name: 'max-level', key: avro.string(), value: Reading })).to(maxima)
 * @see aggregate
 */
export function reduce<K, V>(fn: (agg: V, value: V) => V, opts: AggregateOptions<K> & ValueOptions<V>): StatefulOperator<Rec<K, V>, Rec<K, V>> {
  return keyAggregation('reduce', opts, opts.value, reduceAggregation<K, V>(fn));
}
