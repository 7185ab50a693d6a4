import { StreamRecord, type Rec } from '../records/record.js';

/**
 * An aggregation's update caused by `rec`: its headers and source with the aggregate's key, value
 * and timestamp. One copy where `withKey().withValue().withTimestamp()` made three; this runs for
 * every update an aggregation emits.
 */
export function updateOf<K, V>(rec: Rec<unknown, unknown>, key: K, value: V, timestamp: number): Rec<K, V> {
  return new StreamRecord({ key, value, timestamp, headers: rec.headers, source: rec.source });
}
