import { describe, expect, it } from 'vitest';
import avsc from 'avsc';
import { AvroSerde, UNKNOWN_WRITER } from './avro-serde.js';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.js';
import { avro, type Infer } from './schema.js';

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

describe('AvroSerde wire format', () => {
  const Blob = avro.record('t.Blob', { id: avro.string(), data: avro.bytes() });

  it('writes magic byte, schema id and exactly the Avro body, however large the value', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = new AvroSerde(registry, 'blobs-value', Blob);
    const id = await serde.register();
    for (const size of [0, 10, 200_000, 3_000_000, 5]) {
      const value = { id: `blob-${size}`, data: Buffer.alloc(size, size % 251) };
      const bytes = serde.encode(value);
      expect(bytes[0]).toBe(0);
      expect(bytes.readUInt32BE(1)).toBe(id);
      // Buffer.equals: vitest's deep equality takes seconds on megabytes
      expect(bytes.subarray(5).equals(avsc.Type.forSchema(serde.json as avsc.Schema).toBuffer(value))).toBe(true);
      const back = await serde.decode(bytes);
      expect(back.id).toBe(value.id);
      expect(back.data.equals(value.data)).toBe(true);
    }
  });

  it('gives every encoded record bytes of its own: a later encode never changes an earlier one', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'blobs-value', Blob);
    await serde.register();
    // Small records share buffers, a large one gets its own; 300 × ~1 KB crosses several shared ones.
    const sizes = [...Array.from({ length: 300 }, (_, i) => 900 + (i % 7) * 50), 40_000, 3, 20_000, 1_000];
    const values = sizes.map((size, i) => ({ id: `b${i}`, data: Buffer.alloc(size, i % 251) }));
    const encoded = values.map((v) => serde.encode(v));
    for (const [i, bytes] of encoded.entries()) {
      const back = await serde.decode(bytes);
      expect(back.id).toBe(values[i]!.id);
      expect(back.data.equals(values[i]!.data)).toBe(true);
    }
    expect(encoded[300]!.byteOffset).toBe(0);
    expect(encoded[300]!.buffer.byteLength).toBe(encoded[300]!.length);
  });

  it('refuses trailing bytes after the value and a truncated body', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'blobs-value', Blob);
    await serde.register();
    const bytes = serde.encode({ id: 'x', data: Buffer.from('abc') });
    await expect(serde.decode(Buffer.concat([bytes, Buffer.from([0])]))).rejects.toThrow(/trailing data \(1 bytes after the value\)/);
    await expect(serde.decode(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(/cannot decode .* truncated/);
  });

  it('names the fields that do not match the schema and leaves later encodes intact', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'blobs-value', Blob);
    await serde.register();
    expect(() => serde.encode({ id: 7, data: Buffer.alloc(1) } as never)).toThrow(/id should be string but is 7/);
    expect(await serde.decode(serde.encode({ id: 'ok', data: Buffer.from([1, 2]) }))).toEqual({ id: 'ok', data: Buffer.from([1, 2]) });
  });
});

describe("AvroSerde bytes values as 'view' (the input path) and 'copy'", () => {
  const Frame = avro.record('t.Frame', {
    id: avro.string(),
    data: avro.bytes(),
    thumb: avro.nullable(avro.bytes()),
    parts: avro.array(avro.bytes()),
  });
  const FrameV2 = avro.record('t.Frame', {
    id: avro.string(),
    data: avro.bytes(),
    thumb: avro.nullable(avro.bytes()),
    parts: avro.array(avro.bytes()),
    note: avro.field(avro.string(), { default: '' }),
  });
  const frame: Infer<typeof Frame> = { id: 'f1', data: Buffer.alloc(960, 7), thumb: Buffer.from('thumb'), parts: [Buffer.from('a'), Buffer.alloc(5000, 3)] };
  const known = <T>(decoded: T | typeof UNKNOWN_WRITER): T => {
    if (decoded === UNKNOWN_WRITER) throw new Error('the writer schema should be known');
    return decoded;
  };

  it('reads every bytes value (in a record, a union, an array) as a view of the message, without a copy', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'frames-value', Frame);
    await serde.register();
    const bytes = serde.encode(frame);
    const viewed = known(serde.decodeIfKnown(bytes, 'view'));
    expect(viewed).toEqual(frame);
    for (const b of [viewed.data, viewed.thumb!, ...viewed.parts]) {
      expect(Buffer.isBuffer(b)).toBe(true);
      expect(b.buffer).toBe(bytes.buffer);
    }
    const copied = await serde.decode(bytes);
    expect(copied).toEqual(frame);
    expect(copied.data.buffer).not.toBe(bytes.buffer);
    // A view follows the message; a copy does not.
    bytes[bytes.indexOf(7)] = 8;
    expect(viewed.data[0]).toBe(8);
    expect(copied.data[0]).toBe(7);
  });

  it('reads views through a resolver from an older writer schema too', async () => {
    const registry = new InMemorySchemaRegistry();
    const writer = new AvroSerde(registry, 'frames-value', Frame);
    await writer.register();
    const reader = new AvroSerde(registry, 'frames-value', FrameV2);
    const bytes = writer.encode(frame);
    expect(await reader.decode(bytes, 'view')).toEqual({ ...frame, note: '' });
    const viewed = known(reader.decodeIfKnown(bytes, 'view'));
    expect(viewed.data.buffer).toBe(bytes.buffer);
    expect(viewed.parts[1]!.equals(frame.parts[1]!)).toBe(true);
  });

  it('refuses a message cut inside a bytes value as a copy does', async () => {
    const serde = new AvroSerde(new InMemorySchemaRegistry(), 'frames-value', Frame);
    await serde.register();
    const cut = serde.encode(frame).subarray(0, 500);
    expect(() => serde.decodeIfKnown(cut, 'view')).toThrow(/cannot decode 500 bytes .*truncated/);
    expect(() => serde.decodeIfKnown(cut, 'copy')).toThrow(/cannot decode 500 bytes .*truncated/);
  });
});
