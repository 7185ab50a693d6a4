import { describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import type { IncomingMessage } from '../transport/transport.js';
import { InMemorySchemaRegistry } from './avro/in-memory-schema-registry.js';
import { avro } from './avro/schema.js';
import { TopicSerde } from './topic-serde.js';

const msg = (key: Buffer | null, value: Buffer | null): IncomingMessage => ({ topic: 't', partition: 0, offset: 7, key, value, headers: {}, timestamp: 1 });

describe('TopicSerde.fromInput: what a node reads', () => {
  const Reading = avro.record('lab.Reading', { celsius: avro.double() });

  it('refuses a null value (tombstone) or a null key where the schema does not admit null', async () => {
    const serde = new TopicSerde(topic('t', { value: Reading }), new InMemorySchemaRegistry());
    await serde.register();
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { code: string; retriable: boolean; message: string });
    const tombstone = await err(serde.fromInput(msg(serde.key.encode('k'), null)));
    expect(tombstone).toMatchObject({ code: 'NULL_VALUE', retriable: false });
    expect(tombstone!.message).toContain('t-value');
    const keyless = await err(serde.fromInput(msg(null, serde.value.encode({ celsius: 1 }))));
    expect(keyless).toMatchObject({ code: 'NULL_KEY', retriable: false });
    expect(keyless!.message).toContain('t-key');
    // fromMessage (changelog restores) still reads a tombstone as a null value.
    expect((await serde.fromMessage(msg(serde.key.encode('k'), null))).value).toBeNull();
  });

  it('passes nulls through where the schema admits them', async () => {
    const serde = new TopicSerde(topic('n', { key: avro.nullable(avro.string()), value: avro.nullable(Reading) }), new InMemorySchemaRegistry());
    await serde.register();
    const rec = await serde.fromInput(msg(null, null));
    expect([rec.key, rec.value]).toEqual([null, null]);
  });
});
