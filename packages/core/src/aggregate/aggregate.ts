import type { StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import type { AggregateOptions, ValueOptions } from './aggregate-options.js';
import { foldAggregation } from './aggregation.js';
import { keyAggregation } from './key-aggregation.js';

/**
 * Folds the values of each key into an aggregate of another type: `init()` starts a key,
 * `fn(aggregate, value, key)` adds a record (Kafka Streams' `aggregate`). Emits the key's new
 * aggregate on every record.
 *
 * When to use: a per-key summary whose type differs from the values (a histogram, a set, an average).
 *
 * @example
 * n.from(detections).pipe(
 *   aggregate(() => ({ n: 0, sum: 0 }), (a, d) => ({ n: a.n + 1, sum: a.sum + d.score }), { name: 'scores', key: avro.string(), value: Score }),
 * ).to(scores)
 * @see reduce
 */
export function aggregate<K, V, A>(init: () => A, fn: (agg: A, value: V, key: K) => A, opts: AggregateOptions<K> & ValueOptions<A>): StatefulOperator<Rec<K, V>, Rec<K, A>> {
  return keyAggregation('aggregate', opts, opts.value, foldAggregation(init, fn));
}
