import { expectTypeOf, test } from 'vitest';
import { map } from 'rxjs';
import { avro, type Infer } from '../serde/avro/schema.js';
import type { Rec } from '../records/record.js';
import { topic } from './topic.js';
import { topology } from './topology.js';

const Image = avro.record('t.Image', { id: avro.string(), image: avro.bytes(), source: avro.nullable(avro.string()) });
const Count = avro.record('t.Count', { id: avro.string(), n: avro.int() });
const images = topic('images', { value: Image });
const counts = topic('counts', { value: Count });
const byNumber = topic('by-number', { value: Count, key: avro.long() });

test('a schema gives the TS type of its values', () => {
  expectTypeOf<Infer<typeof Image>>().toEqualTypeOf<{ readonly id: string; readonly image: Buffer; readonly source: string | null }>();
});

test('from() yields records typed by the topic, and a matching to() compiles', () => {
  topology('t').node('n', (n) => {
    const s = n.from(images);
    expectTypeOf(s).toHaveProperty('pipe');
    return s.pipe(map((r) => r.withValue({ id: r.value.id, n: r.value.image.length }))).to(counts);
  });
});

test('from() of several topics yields the union of their record types', () => {
  topology('t').node('n', (n) =>
    n.from(images, counts).pipe(
      map((r) => {
        expectTypeOf(r).toEqualTypeOf<Rec<string, Infer<typeof Image>> | Rec<string, Infer<typeof Count>>>();
        return r;
      }),
    ),
  );
});

test('to() a topic of another value type does not compile', () => {
  // @ts-expect-error images carry Image values, not Count values
  topology('t').node('n', (n) => n.from(images).to(counts));
});

test('to() a topic of another key type does not compile', () => {
  // @ts-expect-error by-number has long keys, the records have string keys
  topology('t').node('n', (n) => n.from(counts).to(byNumber));
});
