import type { Rec } from '../records/record.js';

/**
 * Where a windowed aggregation reads a record's event time from; default its timestamp. With an
 * extractor, stream time is the highest extracted time this task's operator has seen (Kafka
 * Streams' observed stream time), not the runtime's, which follows record timestamps.
 */
export type EventTime<K, V> = (rec: Rec<K, V>) => number;

export function eventTimeOf<K, V>(rec: Rec<K, V>, extractor: EventTime<K, V> | undefined): number {
  return extractor ? extractor(rec) : rec.timestamp;
}
