import { describe, expect, it } from 'vitest';
import { avro, toAvroJson } from '../serde/avro/schema.js';
import { parseKey } from './parse-key.js';
import { parseTime } from './parse-time.js';

interface Case {
  readonly schema: string;
  readonly json: ReturnType<typeof toAvroJson>;
  readonly text: string;
  readonly key: unknown;
}

const cases: Case[] = [
  { schema: 'string', json: toAvroJson(avro.string()), text: 'cam 1/{x}', key: 'cam 1/{x}' },
  { schema: 'long', json: toAvroJson(avro.long()), text: '42', key: 42 },
  { schema: 'timestamp-millis', json: toAvroJson(avro.timestampMillis()), text: '1700000000000', key: 1_700_000_000_000 },
  { schema: 'double', json: toAvroJson(avro.double()), text: '0.5', key: 0.5 },
  { schema: 'nullable string', json: toAvroJson(avro.nullable(avro.string())), text: 'a', key: 'a' },
  { schema: 'record', json: toAvroJson(avro.record('t.K', { camera: avro.string(), zone: avro.int() })), text: '{"camera":"c","zone":2}', key: { camera: 'c', zone: 2 } },
];

describe('parseKey', () => {
  it.each(cases)('reads a $schema key from its text form', ({ json, text, key }) => {
    expect(parseKey(text, json)).toEqual(key);
  });

  it('refuses text that does not fit the key type, naming the type', () => {
    expect(() => parseKey('4.5', 'long')).toThrow('key "4.5" is not an integer (the store\'s key is long)');
    expect(() => parseKey('{camera', toAvroJson(avro.record('t.K', { camera: avro.string() })))).toThrow('written as JSON in the URL');
  });
});

describe('parseTime', () => {
  it('takes epoch milliseconds or ISO 8601 time', () => {
    expect(parseTime('1700000000000', 'from')).toBe(1_700_000_000_000);
    expect(parseTime('2026-01-01T00:01:00Z', 'to')).toBe(Date.UTC(2026, 0, 1, 0, 1));
    expect(() => parseTime('soon', 'to')).toThrow('to=soon is neither epoch milliseconds nor an ISO 8601 time');
  });
});
