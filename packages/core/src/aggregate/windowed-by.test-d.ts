import { expectTypeOf, test } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import { session } from '../windows/session.js';
import { tumbling } from '../windows/tumbling.js';
import { count } from './count.js';
import { windowedBy } from './windowed-by.js';
import { windowedKey, type Windowed } from './windowed-key.js';

const Detection = avro.record('t.Detection', { camera: avro.string(), score: avro.double() });
const detections = topic('detections', { value: Detection });
const counts = topic('counts', { key: windowedKey(avro.string()), value: avro.long() });
const sums = topic('sums', { key: windowedKey(avro.string()), value: avro.double() });
const byLongKey = topic('by-long', { key: windowedKey(avro.long()), value: avro.long() });
const sessions = topic('sessions', { key: windowedKey(avro.string()), value: avro.nullable(avro.long()) });
const totals = topic('totals', { value: avro.long() });

test('windowedKey gives the Windowed type of its key', () => {
  expectTypeOf(windowedKey(avro.string())).toEqualTypeOf<import('../serde/avro/schema.js').AvroSchema<Windowed<string>>>();
});

test('a windowed count writes to a topic of windowed keys and long values', () => {
  topology('t').node('n', (n) => n.from(detections).pipe(windowedBy(tumbling('1m')).count({ name: 'counts', key: avro.string(), emit: 'final' })).to(counts));
});

test('a windowed aggregate has the aggregate as value type', () => {
  const op = windowedBy(tumbling('1m')).aggregate(() => 0, (a, d: { readonly score: number }) => a + d.score, { name: 'sums', key: avro.string(), value: avro.double() });
  expectTypeOf(op).returns.toEqualTypeOf<import('rxjs').Observable<Rec<Windowed<string>, number>>>();
  topology('t').node('n', (n) => n.from(detections).pipe(op).to(sums));
});

test('a windowed count to a topic of plain keys does not compile', () => {
  // @ts-expect-error totals has string keys, the counts have windowed keys
  topology('t').node('n', (n) => n.from(detections).pipe(windowedBy(tumbling('1m')).count({ name: 'c', key: avro.string() })).to(totals));
});

test('a windowed count to a topic of another key or value type does not compile', () => {
  // @ts-expect-error by-long has Windowed<number> keys
  topology('t').node('n', (n) => n.from(detections).pipe(windowedBy(tumbling('1m')).count({ name: 'c', key: avro.string() })).to(byLongKey));
  // @ts-expect-error sessions takes nullable values; topics are invariant, so non-null counts do not fit
  topology('t').node('n', (n) => n.from(detections).pipe(windowedBy(tumbling('1m')).count({ name: 'c', key: avro.string() })).to(sessions));
});

test('session windows emit nullable values (tombstones) on update and plain values on final', () => {
  const update = windowedBy(session('30s')).count({ name: 's', key: avro.string() });
  expectTypeOf(update).returns.toEqualTypeOf<import('rxjs').Observable<Rec<Windowed<string>, number | null>>>();
  topology('t').node('n', (n) => n.from(detections).pipe(update).to(sessions));
  const final = windowedBy(session('30s')).count({ name: 's', key: avro.string(), emit: 'final' });
  topology('t').node('n', (n) => n.from(detections).pipe(final).to(counts));
  // @ts-expect-error update mode may emit null values, which counts (long values) cannot take
  topology('t').node('n', (n) => n.from(detections).pipe(update).to(counts));
});

test('a per-key count keeps the key and counts as long', () => {
  topology('t').node('n', (n) => n.from(detections).pipe(count({ name: 'totals', key: avro.string() })).to(totals));
});
