import { avro, type AvroSchema } from '../serde/avro/schema.js';

/**
 * An aggregate with the highest timestamp of the records in it (Kafka Streams' ValueAndTimestamp):
 * the timestamp of the aggregation's output record.
 */
export interface Timestamped<A> {
  readonly value: A;
  readonly timestamp: number;
}

/** Store value schema of an aggregation's state; the record name carries the store name so each is unique. */
export function timestampedSchema<A>(store: string, value: AvroSchema<A>): AvroSchema<Timestamped<A>> {
  return avro.record(`vision_flow.Timestamped_${store.replace(/[^A-Za-z0-9_]/g, '_')}`, { value, timestamp: avro.long() }) as AvroSchema<Timestamped<A>>;
}
