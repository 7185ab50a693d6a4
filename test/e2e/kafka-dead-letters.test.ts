import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AvroSerde, ConfluentSchemaRegistry, HeaderNames, NamespacedSchemaRegistry, StreamRecord, TopicSerde, avro, deadLetterTopic,
  type DeadLetter, type DeliveryReport, type IncomingMessage, type NamespacedTransport, type TransportProducer,
} from '@vision-flow/core';
import { images, objects } from '../../topologies/image-pipeline.js';
import { CliProcess, IMAGE_PIPELINE } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';

// Records on the objects node's input topic that are not Confluent Avro of the topic's schema are
// set aside on its dead-letter topic (objects.dlq) with the reason in headers and in the Avro
// envelope; the good records produced after them still get results, and the node keeps running.

interface PoisonCase {
  readonly name: string;
  readonly code: string;
  /** The value bytes, given the namespace's registry. */
  readonly value: () => Promise<Buffer>;
}

/** Polls `read` until `done(all)` holds; fails naming what it got after `timeoutMs`. */
async function pollUntil(read: (timeoutMs: number) => Promise<IncomingMessage[]>, done: (all: IncomingMessage[]) => boolean, what: string, timeoutMs = 60_000): Promise<IncomingMessage[]> {
  const all: IncomingMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${all.length} records`);
    all.push(...(await read(500)));
  }
  return all;
}

describe('the objects node on Kafka with poison records on its input topic', () => {
  const kns = new KafkaNamespace();
  const ns = kns.name;
  let transport: NamespacedTransport;
  let rawRegistry: ConfluentSchemaRegistry;
  let registry: NamespacedSchemaRegistry;
  let producer: TransportProducer;
  let node: CliProcess | undefined;
  const unrelatedSubject = `${ns}.thermometer-value`;

  beforeAll(async () => {
    transport = (await kns.connect()).ns;
    rawRegistry = await ConfluentSchemaRegistry.connect({ url: kns.registry });
    registry = new NamespacedSchemaRegistry(rawRegistry, ns);
  });

  afterAll(async () => {
    await endProcesses([node]);
    await producer?.close().catch(() => undefined);
    await kns.drop(); // the unrelated subject too
  });

  it('dead-letters each poison record with its reason, still processes the good ones, and keeps running', async () => {
    // What an ingest node would have registered: the topic's key and value schemas under the namespace.
    const imageSerde = new TopicSerde(images, registry);
    await imageSerde.register();
    const imageSchemaId = imageSerde.value.id!;

    const poison: PoisonCase[] = [
      { name: 'garbage', code: 'NOT_CONFLUENT_AVRO', value: async () => Buffer.from('{"id":"not avro at all, just JSON"}') },
      { name: 'too-short', code: 'NOT_CONFLUENT_AVRO', value: async () => Buffer.from([0, 0, 1]) },
      { name: 'unknown-schema-id', code: 'UNKNOWN_SCHEMA_ID', value: async () => Buffer.concat([Buffer.from([0]), u32(2_000_000_000), Buffer.from('body')]) },
      {
        // Registered, but for another record type: the node's reader schema cannot resolve it.
        name: 'other-schema',
        code: 'SCHEMA_MISMATCH',
        value: async () => {
          const other = new AvroSerde(rawRegistry, unrelatedSubject, avro.record('lab.Thermometer', { celsius: avro.double() }));
          await other.register();
          return other.encode({ celsius: 21.5 });
        },
      },
      // The topic's own schema id, but the Avro body stops short.
      { name: 'truncated-body', code: 'AVRO_DECODE_FAILED', value: async () => Buffer.concat([Buffer.from([0]), u32(imageSchemaId), Buffer.from([0x0a])]) },
    ];

    node = new CliProcess(['run', IMAGE_PIPELINE, '--node', 'objects', ...kns.cliArgs, '--no-progress'], { timeoutMs: 170_000 });
    // The node creates its topics (input, output, dead letters) before it consumes.
    const deadline = Date.now() + 60_000;
    while (!(await transport.admin().listTopics()).includes('objects.dlq')) {
      if (node.child.exitCode !== null) throw new Error(`objects node exited early:\n${node.stderr}`);
      if (Date.now() > deadline) throw new Error(`objects node did not create its topics in 60 s:\n${node.stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    producer = await transport.producer({ clientId: 'vf-e2e-dead-letters' });
    const sent = new Map<string, { report: DeliveryReport; key: Buffer; value: Buffer; code: string }>();
    for (const p of poison) {
      const key = imageSerde.key.encode(`bad-${p.name}`);
      const value = await p.value();
      const report = await producer.send({ topic: images.name, key, value, headers: { 'test-case': p.name } });
      sent.set(p.name, { report, key, value, code: p.code });
    }
    // Good records after the poison ones.
    const good = ['000000000139', '000000000285', '000000000632'].map((n) => `coco/${n}`);
    for (const id of good) {
      const image = await readFile(join(SHARED_IMAGES, `${id}.jpg`));
      const rec = new StreamRecord({ key: id, value: { id, image, contentType: 'image/jpeg', source: `${id}.jpg`, submittedAt: Date.now() }, headers: { 'test-case': 'good' } });
      await producer.send(imageSerde.toMessage(rec));
    }

    // Dead letters: one per poison record, reason in headers and in the envelope.
    const dlq = deadLetterTopic('objects.dlq');
    const dlqSerde = new TopicSerde(dlq, registry);
    const dlqReader = await transport.reader({ clientId: 'vf-e2e-dlq-reader' });
    await dlqReader.assign([{ topic: dlq.name, partition: 0, offset: 0 }]);
    const letters = await pollUntil((t) => dlqReader.poll(100, t), (all) => all.length >= poison.length, `${poison.length} dead letters`);
    await dlqReader.close();
    expect(letters).toHaveLength(poison.length);
    const byCase = new Map(letters.map((m) => [m.headers['test-case'], m]));
    expect([...byCase.keys()].sort()).toEqual(poison.map((p) => p.name).sort());

    for (const p of poison) {
      const m = byCase.get(p.name)!;
      const { report, key, value, code } = sent.get(p.name)!;
      const origin = `${images.name}/${report.partition}/${report.offset}`;
      expect(m.headers, p.name).toMatchObject({
        [HeaderNames.errorCode]: code,
        [HeaderNames.errorNode]: 'objects',
        [HeaderNames.errorOperator]: 'deserialize',
        [HeaderNames.errorAttempts]: '1',
        [HeaderNames.origin]: origin,
      });
      expect(m.headers[HeaderNames.errorMessage], p.name).toContain(`${images.name}-value`);
      const letter: DeadLetter = (await dlqSerde.fromMessage(m)).value;
      expect(letter, p.name).toMatchObject({
        code,
        node: 'objects',
        operator: 'deserialize',
        topic: images.name,
        partition: report.partition,
        offset: report.offset,
        attempts: 1,
        headers: { 'test-case': p.name },
      });
      expect(letter.message).toBe(m.headers[HeaderNames.errorMessage]);
      expect(letter.value?.equals(value), `${p.name}: original value bytes kept`).toBe(true);
      expect(letter.key?.equals(key), `${p.name}: original key bytes kept`).toBe(true);
    }
    // The error's context travels in the envelope too.
    expect((await dlqSerde.fromMessage(byCase.get('unknown-schema-id')!)).value.context).toMatchObject({ schemaId: '2000000000' });

    // The good records still got their detections, and only they.
    const objectsSerde = new TopicSerde(objects, registry);
    const outReader = await transport.reader({ clientId: 'vf-e2e-objects-reader' });
    await outReader.assign(Array.from({ length: objects.partitions }, (_, partition) => ({ topic: objects.name, partition, offset: 0 })));
    const results = await pollUntil((t) => outReader.poll(100, t), (all) => all.length >= good.length, `${good.length} detection results`);
    await outReader.close();
    const decoded = await Promise.all(results.map(async (m) => (await objectsSerde.fromMessage(m)).value));
    expect(decoded.map((d) => d.id).sort()).toEqual([...good].sort());
    for (const d of decoded) expect(d.objects.length, d.id).toBeGreaterThan(0);

    // Still running, and it committed past the poison records too.
    expect(node.child.exitCode, node.stderr).toBeNull();
    const total = poison.length + good.length;
    const committedDeadline = Date.now() + 30_000;
    let committed = 0;
    while ((committed = (await transport.admin().committedOffsets('image-pipeline.objects', images.name)).reduce((n, o) => n + o.offset, 0)) < total) {
      if (Date.now() > committedDeadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(committed).toBe(total);

    // A graceful stop: exit 0, and the summary counts the dead letters.
    const [result] = await stopAndCheckExit([['objects', node]], { withinMs: 20_000 });
    expect(result!.stderr).toContain(`objects.dlq (${poison.length})`);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
