import type { StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import type { AggregateOptions } from './aggregate-options.js';
import { countAggregation } from './aggregation.js';
import { keyAggregation } from './key-aggregation.js';

/**
 * Counts records per key and emits the key's new count on every record (Kafka Streams'
 * `groupByKey().count()`), as a record with the same key, the count as value and the highest
 * timestamp of the key's records so far. State is a change-logged key-value store named `name`.
 *
 * When to use: a running total per key; for counts per time window use `windowedBy(w).count()`.
 *
 * @example
 * n.from(detections).pipe(count({ name: 'per-camera', key: avro.string() })).to(totals)  // totals: topic<long>
 * @see windowedBy
 */
export function count<K>(opts: AggregateOptions<K>): StatefulOperator<Rec<K, unknown>, Rec<K, number>> {
  return keyAggregation('count', opts, avro.long(), countAggregation<K>());
}
