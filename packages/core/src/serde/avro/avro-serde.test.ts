import { describe, expect, it } from 'vitest';
import { AvroSerde, UNKNOWN_WRITER } from './avro-serde.js';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.js';
import { avro } from './schema.js';

const V1 = avro.record('t.Reading', { id: avro.string(), seq: avro.long() });
const V2 = avro.record('t.Reading', { id: avro.string(), seq: avro.long(), unit: avro.field(avro.string(), { default: 'px' }) });

describe('AvroSerde.decodeIfKnown (the hot path)', () => {
  it('decodes at once with its own schema, and answers UNKNOWN_WRITER for a writer schema not fetched yet', async () => {
    const registry = new InMemorySchemaRegistry();
    const writer = new AvroSerde(registry, 'readings-value', V1);
    await writer.register();
    const reader = new AvroSerde(registry, 'readings-value', V2);
    const old = writer.encode({ id: 'a', seq: 1 });

    expect(reader.decodeIfKnown(old)).toBe(UNKNOWN_WRITER);
    expect(await reader.decode(old)).toEqual({ id: 'a', seq: 1, unit: 'px' });
    // Fetched once: every later record of that writer schema decodes without waiting.
    expect(reader.decodeIfKnown(writer.encode({ id: 'b', seq: 2 }))).toEqual({ id: 'b', seq: 2, unit: 'px' });
    expect(writer.decodeIfKnown(old)).toEqual({ id: 'a', seq: 1 });
  });

  it('throws the same errors as decode for bytes that are not Confluent Avro', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'readings-value', V1);
    await serde.register();
    expect(() => serde.decodeIfKnown(Buffer.from('not avro'))).toThrow(/not Confluent Avro/);
    const truncated = serde.encode({ id: 'abcdef', seq: 1 }).subarray(0, 7);
    expect(() => serde.decodeIfKnown(truncated)).toThrow(/cannot decode/);
  });
});
