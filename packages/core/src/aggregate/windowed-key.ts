import { avro, type AvroSchema } from '../serde/avro/schema.js';

/**
 * The key of a windowed aggregation's output: the record key and its window.
 * - tumbling and hopping: `[start, end)`, end exclusive (`end = start + size`);
 * - sliding: `[start, end]`, both inclusive (`end = start + timeDifference`), as Kafka Streams;
 * - session: `[start, end]`, both inclusive: the first and last record timestamps of the session.
 */
export interface Windowed<K> {
  readonly key: K;
  readonly start: number;
  readonly end: number;
}

/**
 * The Avro shape of a windowed key, for the output topic of a windowed aggregation:
 * `record vision_flow.Windowed_<KeyType> { key: K; start: long (timestamp-millis); end: long (timestamp-millis) }`.
 * The record name follows the key's type (`Windowed_string`, `Windowed_acme_Camera`), so one
 * key schema always gives the same registered schema.
 *
 * @example
 * const counts = topic('counts', { key: windowedKey(avro.string()), value: avro.long() });
 */
export function windowedKey<K>(key: AvroSchema<K>): AvroSchema<Windowed<K>> {
  return avro.record(`vision_flow.Windowed_${typeLabel(key)}`, {
    key,
    start: avro.field(avro.timestampMillis(), { doc: 'window start, epoch ms, inclusive' }),
    end: avro.field(avro.timestampMillis(), { doc: 'window end, epoch ms: exclusive for tumbling/hopping, inclusive for sliding/session' }),
  }) as AvroSchema<Windowed<K>>;
}

function typeLabel(schema: AvroSchema<unknown>): string {
  const label = schema.name ?? (typeof schema.json === 'string' ? schema.json : schema.kind);
  return label.replace(/[^A-Za-z0-9_]/g, '_');
}
