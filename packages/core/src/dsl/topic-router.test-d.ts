import { map } from 'rxjs';
import { expectTypeOf, test } from 'vitest';
import { avro } from '../serde/avro/schema.js';
import { topic } from './topic.js';
import { perTenant, topicPerRecord, type TopicRouter } from './topic-router.js';
import { topology } from './topology.js';

const Image = avro.record('t.Image', { id: avro.string(), image: avro.bytes() });
const Count = avro.record('t.Count', { id: avro.string(), n: avro.int() });
const images = topic('images', { value: Image });
const counts = topic('counts', { value: Count });

test('a router keeps its template topic types, and a matching to() compiles', () => {
  expectTypeOf(perTenant(counts)).toEqualTypeOf<TopicRouter<string, { readonly id: string; readonly n: number }>>();
  topology('t').node('n', (n) => n.from(images).pipe(map((r) => r.withValue({ id: r.value.id, n: r.value.image.length }))).to(perTenant(counts)));
  topology('t').node('n', (n) => n.from(counts).to(topicPerRecord(counts, (r) => `counts.${r.value.n % 2}`, { describeAs: 'counts.<parity>' })));
});

test('to() a router of another schema does not compile', () => {
  // @ts-expect-error images records cannot go to a router of counts topics
  topology('t').node('n', (n) => n.from(images).to(perTenant(counts)));
});
