// The driver's topics are typed by the topic's Avro schemas: a pipe of another key or value type
// does not compile, and reads give the topic's key and value (null for a tombstone).
import { describe, expectTypeOf, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import type { Windowed } from '../aggregate/windowed-key.js';
import { windowedKey } from '../aggregate/windowed-key.js';
import { avro, type Infer } from '../serde/avro/schema.js';
import type { StreamRecord } from '../records/record.js';
import type { TestDriver } from './test-driver.js';

declare const d: TestDriver;
const Reading = avro.record('t.Reading', { celsius: avro.double() });
const readings = topic('readings', { value: Reading });
const counts = topic('counts', { key: windowedKey(avro.string()), value: avro.long() });

describe('test driver types', () => {
  it('types pipes by the input topic', () => {
    const input = d.inputTopic(readings);
    expectTypeOf(input.pipeInput).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(input.pipeInput).parameter(1).toEqualTypeOf<Infer<typeof Reading>>();
    void input.pipeInput('kitchen', { celsius: 20 }, 1);
    // @ts-expect-error a value of another type
    void input.pipeInput('kitchen', { fahrenheit: 68 }, 1);
    // @ts-expect-error a key of another type
    void input.pipeRecordList([{ key: 1, value: { celsius: 20 } }]);
  });

  it('types reads by the output topic', () => {
    const output = d.outputTopic(counts);
    expectTypeOf(output.readKeyValueTimestamps()).toEqualTypeOf<Array<[Windowed<string>, number | null, number]>>();
    expectTypeOf(output.readValuesToList()).toEqualTypeOf<Array<number | null>>();
    expectTypeOf(output.readRecordsToList()).toEqualTypeOf<StreamRecord<Windowed<string>, number | null>[]>();
  });
});
