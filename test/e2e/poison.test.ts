import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AvroSerde, ConfluentSchemaRegistry, HeaderNames, NamespacedSchemaRegistry, StreamRecord, TopicSerde, avro, deadLetterTopic,
  type DeadLetter, type DeliveryReport, type IncomingMessage, type Infer, type NamespacedTransport, type TransportProducer,
} from '@vision-flow/core';
import { images, objects } from '../../topologies/image-pipeline.js';
import type { ImageAnalysis, ImageSubmitted } from '../../topologies/image-pipeline/schemas.js';
import { CliProcess, IMAGE_PIPELINE, jsonLines, runCli } from '../helpers/cli.js';
import { SAMPLE_JPEG, SHARED_IMAGES, emptyImage, hugePng, textAsImage, truncatedJpeg } from '../helpers/bad-images.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';

// Issue 5's poison test. The image pipeline's consuming nodes run as separate OS processes on
// Kafka; the test produces straight to images.submitted an interleaved sequence of good images and
// of many kinds of bad records (bad images in valid Avro, and bytes that are not valid Avro of the
// topic's schema). Both detector nodes read that topic, so every bad record must be set aside on
// BOTH objects.dlq and faces.dlq with its reason; every good image must come out of deliver as one
// complete result with the detections the embedded run gives; and no process may crash.
//
// Not among the kinds: an image over decodeImage's byte limit (IMAGE_TOO_MANY_BYTES). Its default,
// 20 MB, is above images.submitted's 16 MiB max.message.bytes, so the broker refuses such a record
// before any node can see it.

/** What the test builds each bad record from. */
interface Ctx {
  readonly imageSerde: TopicSerde<string, ImageValue>;
  readonly rawRegistry: ConfluentSchemaRegistry;
  readonly registry: NamespacedSchemaRegistry;
  readonly ns: string;
}
type ImageValue = Infer<typeof ImageSubmitted>;

interface BadCase {
  readonly name: string;
  /** The reason code both detector nodes must give. */
  readonly code: string;
  /**
   * Where it fails: reading the bytes (`deserialize`), checking the image and its header
   * (`decodeImage`), or decoding its pixels, which happens in the node's detector (`detector`).
   */
  readonly operator: 'deserialize' | 'decodeImage' | 'detector';
  /** For deserialize failures: the registry subject the message names (key or value). */
  readonly subject?: 'key' | 'value';
  readonly build: (c: Ctx, id: string) => Promise<{ key: Buffer | null; value: Buffer | null }>;
}

/** A bad image inside a valid ImageSubmitted record: only decodeImage can tell. */
const badImage = (name: string, code: string, bytes: () => Promise<Buffer> | Buffer, contentType = 'image/jpeg', operator: 'decodeImage' | 'detector' = 'decodeImage'): BadCase => ({
  name,
  code,
  operator,
  build: async (c, id) => ({ key: c.imageSerde.key.encode(id), value: c.imageSerde.value.encode(imageValue(id, await bytes(), contentType)) }),
});

/** Bytes that are not a valid ImageSubmitted record (or key) of the topic's schema. */
const badAvro = (name: string, code: string, subject: 'key' | 'value', build: BadCase['build']): BadCase => ({ name, code, operator: 'deserialize', subject, build });

/** The operator that decodes a node's pixels. */
const DETECTOR = { objects: 'detectObjects', faces: 'detectFaces' } as const;

const imageValue = (id: string, image: Buffer, contentType: string | null = 'image/jpeg'): ImageValue => ({ id, image, contentType, source: `poison-test/${id}`, submittedAt: Date.now() });

const BAD: BadCase[] = [
  // ---- valid Avro, bad image
  badImage('zero-bytes', 'IMAGE_EMPTY', emptyImage),
  // A good header with bytes after it that cannot be decoded: found where the pixels are decoded.
  badImage('jpeg-truncated-40pct', 'IMAGE_UNDECODABLE', () => truncatedJpeg(0.4), 'image/jpeg', 'detector'),
  badImage('jpeg-truncated-5pct', 'IMAGE_UNDECODABLE', () => truncatedJpeg(0.05), 'image/jpeg', 'detector'),
  badImage('jpeg-corrupt-scan', 'IMAGE_UNDECODABLE', async () => corruptMiddle(await readFile(SAMPLE_JPEG), 200), 'image/jpeg', 'detector'),
  badImage('jpeg-soi-only', 'IMAGE_UNDECODABLE', () => Buffer.from([0xff, 0xd8])),
  badImage('jpeg-claims-65000x65000', 'IMAGE_TOO_LARGE', async () => jpegClaiming(await readFile(SAMPLE_JPEG), 65_000, 65_000)),
  badImage('png-signature-only', 'IMAGE_UNDECODABLE', () => PNG_SIGNATURE, 'image/png'),
  badImage('png-bad-crc', 'IMAGE_UNDECODABLE', async () => pngWithBadCrc(), 'image/png', 'detector'),
  badImage('png-bomb-30000x30000', 'IMAGE_TOO_LARGE', () => hugePng(), 'image/png'),
  badImage('gif-header-only', 'IMAGE_UNDECODABLE', () => Buffer.from('GIF89a', 'latin1'), 'image/gif'),
  badImage('text-named-jpg', 'IMAGE_UNSUPPORTED_FORMAT', textAsImage),
  badImage('html-error-page', 'IMAGE_UNSUPPORTED_FORMAT', () => Buffer.from('<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n'), 'text/html'),
  badImage('pdf-header', 'IMAGE_UNSUPPORTED_FORMAT', () => Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', 'latin1'), 'application/pdf'),
  badImage('random-1kb', 'IMAGE_UNSUPPORTED_FORMAT', () => randomBytes(1024), 'application/octet-stream'),
  badImage('bmp-real-image', 'IMAGE_UNSUPPORTED_FORMAT', () => bmp(4, 4), 'image/bmp'),
  badImage('svg-real-image', 'IMAGE_UNSUPPORTED_FORMAT', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>'), 'image/svg+xml'),
  // ---- not a valid record of the topic's schema
  badAvro('json-value', 'NOT_CONFLUENT_AVRO', 'value', async (c, id) => ({ key: c.imageSerde.key.encode(id), value: Buffer.from(JSON.stringify({ id, image: 'aGVsbG8=' })) })),
  badAvro('3-byte-value', 'NOT_CONFLUENT_AVRO', 'value', async (c, id) => ({ key: c.imageSerde.key.encode(id), value: Buffer.from([0, 0, 1]) })),
  badAvro('empty-value', 'NOT_CONFLUENT_AVRO', 'value', async (c, id) => ({ key: c.imageSerde.key.encode(id), value: Buffer.alloc(0) })),
  badAvro('magic-byte-1', 'NOT_CONFLUENT_AVRO', 'value', async (c, id) => {
    const good = c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG)));
    good[0] = 1;
    return { key: c.imageSerde.key.encode(id), value: good };
  }),
  badAvro('unknown-schema-id', 'UNKNOWN_SCHEMA_ID', 'value', async (c, id) => ({ key: c.imageSerde.key.encode(id), value: Buffer.concat([Buffer.from([0]), u32(2_000_000_000), Buffer.from('body')]) })),
  badAvro('unrelated-schema', 'SCHEMA_MISMATCH', 'value', async (c, id) => {
    // Registered, but for another record type: the node's reader schema cannot resolve it.
    const other = new AvroSerde(c.rawRegistry, `${c.ns}.thermometer-value`, avro.record('lab.Thermometer', { celsius: avro.double() }));
    await other.register();
    return { key: c.imageSerde.key.encode(id), value: other.encode({ celsius: 21.5 }) };
  }),
  badAvro('other-topic-record', 'SCHEMA_MISMATCH', 'value', async (c, id) => {
    // A vision.objects record produced to the wrong topic: it has an id but no image.
    const serde = new TopicSerde(objects, c.registry);
    await serde.register();
    return { key: c.imageSerde.key.encode(id), value: serde.value.encode({ id, source: null, width: 1, height: 1, model: 'x', objects: [], timings: {} }) };
  }),
  badAvro('truncated-body', 'AVRO_DECODE_FAILED', 'value', async (c, id) => {
    const good = c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG)));
    return { key: c.imageSerde.key.encode(id), value: good.subarray(0, 5 + Math.floor((good.length - 5) / 2)) };
  }),
  badAvro('trailing-bytes', 'AVRO_DECODE_FAILED', 'value', async (c, id) => {
    const good = c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG)));
    return { key: c.imageSerde.key.encode(id), value: Buffer.concat([good, Buffer.from('extra')]) };
  }),
  badAvro('tombstone', 'NULL_VALUE', 'value', async (c, id) => ({ key: c.imageSerde.key.encode(id), value: null })),
  badAvro('garbage-key', 'NOT_CONFLUENT_AVRO', 'key', async (c, id) => ({ key: Buffer.from(`key:${id}`), value: c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG))) })),
  badAvro('key-unknown-schema-id', 'UNKNOWN_SCHEMA_ID', 'key', async (c, id) => ({
    key: Buffer.concat([Buffer.from([0]), u32(2_000_000_001), Buffer.from(id)]),
    value: c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG))),
  })),
  badAvro('null-key', 'NULL_KEY', 'key', async (c, id) => ({ key: null, value: c.imageSerde.value.encode(imageValue(id, await readFile(SAMPLE_JPEG))) })),
];

/** Real pictures (ids as the directory source names them): objects and faces. */
const GOOD = ['coco/000000000139', 'coco/000000000285', 'coco/000000000632', 'coco/000000000724', 'coco/000000000785', 'faces/1', 'faces/2', 'faces/5'];

describe('the image pipeline on Kafka fed an interleaved mix of poison and good records', () => {
  const kns = new KafkaNamespace();
  const ns = kns.name;
  const letterId = (name: string) => `bad-${name}`;
  let work: string;
  let transport: NamespacedTransport;
  let rawRegistry: ConfluentSchemaRegistry;
  let registry: NamespacedSchemaRegistry;
  let producer: TransportProducer | undefined;
  let reference: Map<string, ImageAnalysis>;
  const nodes = new Map<string, CliProcess>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vf-poison-'));
    transport = (await kns.connect()).ns;
    rawRegistry = await ConfluentSchemaRegistry.connect({ url: kns.registry });
    registry = new NamespacedSchemaRegistry(rawRegistry, ns);
    // The reference: the embedded run (memory transport, one process) on the same good files.
    const refDir = join(work, 'good');
    for (const id of GOOD) {
      await mkdir(dirname(join(refDir, id)), { recursive: true });
      await copyFile(join(SHARED_IMAGES, `${id}.jpg`), join(refDir, `${id}.jpg`));
    }
    const refFile = join(work, 'embedded.jsonl');
    const ref = await runCli(['run', IMAGE_PIPELINE, '--images', refDir, '--out', refFile, '--no-progress'], { timeoutMs: 120_000 });
    expect(ref.code, ref.stderr).toBe(0);
    reference = new Map(jsonLines<ImageAnalysis>(await readFile(refFile, 'utf8')).map((a) => [a.id, a]));
    expect([...reference.keys()].sort()).toEqual([...GOOD].sort());
  });

  afterAll(async () => {
    await endProcesses(nodes.values());
    await producer?.close().catch(() => undefined);
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('dead-letters every bad record on both detectors with its reason, delivers every good image, and no process crashes', async () => {
    const t0 = Date.now();
    const out = join(work, 'kafka.jsonl');
    const common = [...kns.cliArgs, '--no-progress'];
    for (const node of ['objects', 'faces', 'aggregate', 'deliver']) {
      const extra = node === 'deliver' ? ['--out', out] : node === 'aggregate' ? ['--set', 'timeout=60s'] : [];
      nodes.set(node, new CliProcess(['run', IMAGE_PIPELINE, '--node', node, ...common, ...extra], { timeoutMs: 175_000 }));
    }
    const crashed = () => [...nodes].filter(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null);
    const assertAlive = () => {
      const dead = crashed();
      if (dead.length > 0) throw new Error(dead.map(([n, p]) => `${n} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.stderr.slice(-3000)}`).join('\n'));
    };
    await waitFor('the nodes to create their topics', async () => {
      assertAlive();
      const topics = new Set(await transport.admin().listTopics());
      return ['objects.dlq', 'faces.dlq', 'aggregate.dlq', 'deliver.dlq', 'vision.analyses'].every((t) => topics.has(t)) || undefined;
    }, 60_000);
    const tStarted = Date.now();

    // What an ingest node would have registered: the topic's key and value schemas.
    const imageSerde = new TopicSerde(images, registry);
    await imageSerde.register();
    const ctx: Ctx = { imageSerde, rawRegistry, registry, ns };

    // Interleaved: good images first, last and between every few bad records.
    producer = await transport.producer({ clientId: 'vf-e2e-poison' });
    const sent = new Map<string, { report: DeliveryReport; key: Buffer | null; value: Buffer | null }>();
    const gaps = GOOD.length - 1;
    for (let g = 0; g < GOOD.length; g++) {
      const id = GOOD[g]!;
      const image = await readFile(join(SHARED_IMAGES, `${id}.jpg`));
      await producer.send(imageSerde.toMessage(new StreamRecord({ key: id, value: imageValue(id, image), headers: { 'test-case': 'good' } })));
      for (const bad of BAD.slice(Math.round((g * BAD.length) / gaps), Math.round(((g + 1) * BAD.length) / gaps))) {
        const { key, value } = await bad.build(ctx, letterId(bad.name));
        const report = await producer.send({ topic: images.name, key, value, headers: { 'test-case': bad.name } });
        sent.set(bad.name, { report, key, value });
      }
    }
    expect(sent.size).toBe(BAD.length);
    const tProduced = Date.now();

    // Every good image comes out of deliver; both dead-letter topics fill up.
    const lines = await waitFor(`${GOOD.length} result lines from deliver`, async () => {
      assertAlive();
      const text = await readFile(out, 'utf8').catch(() => '');
      const done = text.endsWith('\n') ? jsonLines<ImageAnalysis>(text) : [];
      return done.length >= GOOD.length ? done : undefined;
    }, 120_000);
    const tDelivered = Date.now();
    const letters = new Map<string, IncomingMessage[]>();
    for (const node of ['objects', 'faces', 'aggregate', 'deliver']) letters.set(node, await readToEnd(transport, `${node}.dlq`, node === 'objects' || node === 'faces' ? BAD.length : 0));

    console.log(`poison test ${ns}: ${BAD.length} kinds of bad records, ${GOOD.length} good; nodes up in ${tStarted - t0} ms, produced in ${tProduced - tStarted} ms, last result ${tDelivered - tProduced} ms later`);

    // ---- every bad record, on both detectors' dead-letter topics, with its reason and origin
    const dlqSerde = new TopicSerde(deadLetterTopic('objects.dlq'), registry);
    for (const node of ['objects', 'faces'] as const) {
      const mine = letters.get(node)!;
      expect(mine.map((m) => m.headers['test-case']).sort(), `${node}.dlq`).toEqual(BAD.map((b) => b.name).sort());
      for (const bad of BAD) {
        const m = mine.find((l) => l.headers['test-case'] === bad.name)!;
        const { report, key, value } = sent.get(bad.name)!;
        const what = `${node}: ${bad.name}`;
        const operator = bad.operator === 'detector' ? DETECTOR[node] : bad.operator;
        expect(m.headers, what).toMatchObject({
          [HeaderNames.errorCode]: bad.code,
          [HeaderNames.errorNode]: node,
          [HeaderNames.errorOperator]: operator,
          [HeaderNames.errorAttempts]: '1',
          [HeaderNames.origin]: `${images.name}/${report.partition}/${report.offset}`,
        });
        const letter: DeadLetter = (await dlqSerde.fromMessage(m)).value;
        expect(letter, what).toMatchObject({ code: bad.code, node, operator, topic: images.name, partition: report.partition, offset: report.offset, attempts: 1, headers: { 'test-case': bad.name } });
        expect(letter.message, what).toBe(m.headers[HeaderNames.errorMessage]);
        expect(letter.key === null ? key === null : key !== null && letter.key.equals(key), `${what}: original key bytes kept`).toBe(true);
        expect(letter.value === null ? value === null : value !== null && letter.value.equals(value), `${what}: original value bytes kept`).toBe(true);
        expect((await dlqSerde.fromMessage(m)).key, `${what}: dead letter keyed by image id once known`).toBe(bad.operator === 'deserialize' ? null : letterId(bad.name));
        if (bad.operator !== 'deserialize') {
          expect(letter.context, what).toMatchObject({ imageId: letterId(bad.name) });
          expect(letter.message, what).toContain(`"${letterId(bad.name)}"`);
        } else if (bad.subject) {
          expect(letter.message, what).toContain(`${images.name}-${bad.subject}`);
        }
      }
    }
    // ...and no good record in any dead-letter topic.
    expect(letters.get('aggregate')).toEqual([]);
    expect(letters.get('deliver')).toEqual([]);

    // ---- every good image: exactly one complete result, with the embedded run's detections
    expect(lines.map((l) => l.id).sort()).toEqual([...GOOD].sort());
    for (const r of lines) {
      const ref = reference.get(r.id)!;
      expect({ id: r.id, complete: r.complete, missing: r.missing, reason: r.reason }).toEqual({ id: r.id, complete: true, missing: [], reason: 'complete' });
      expect([r.width, r.height], r.id).toEqual([ref.width, ref.height]);
      expect(r.objects.map((o) => o.label).sort(), r.id).toEqual(ref.objects.map((o) => o.label).sort());
      expect(r.faces.length, r.id).toBe(ref.faces.length);
    }
    expect(lines.some((l) => l.objects.length > 0) && lines.some((l) => l.faces.length > 0)).toBe(true);
    // Only good records made it past the detectors.
    for (const t of ['vision.objects', 'vision.faces', 'vision.analyses']) {
      expect((await transport.admin().endOffsets(t)).reduce((n, o) => n + o.offset, 0), t).toBe(GOOD.length);
    }

    // ---- no crash: all four still running; a graceful stop exits 0 and counts the dead letters
    expect(crashed().map(([n]) => n)).toEqual([]);
    const exits = await stopAndCheckExit(nodes, { withinMs: 20_000 });
    const summary = (node: string, recordsIn: number, produced: number, deadLettered: number) => `${node}: ${recordsIn} records in, ${produced} produced, ${deadLettered} dead-lettered in `;
    const total = BAD.length + GOOD.length;
    const stderrOf = (node: string) => exits.find((e) => e.name === node)!.stderr;
    expect(stderrOf('objects')).toContain(summary('objects', total, GOOD.length, BAD.length));
    expect(stderrOf('faces')).toContain(summary('faces', total, GOOD.length, BAD.length));
    expect(stderrOf('aggregate')).toContain(summary('aggregate', 2 * GOOD.length, GOOD.length, 0));
    expect(stderrOf('deliver')).toContain(summary('deliver', GOOD.length, 0, 0));
    // Both detectors committed past every record, bad ones included; deliver wrote nothing more.
    for (const node of ['objects', 'faces']) {
      expect((await transport.admin().committedOffsets(`image-pipeline.${node}`, images.name)).reduce((n, o) => n + o.offset, 0), node).toBe(total);
    }
    expect(jsonLines<ImageAnalysis>(await readFile(out, 'utf8')).map((l) => l.id).sort()).toEqual([...GOOD].sort());
  });
});

/**
 * Reads a dead-letter topic (one partition) until `atLeast` records are there, then to its end
 * offset; after `timeoutMs`, returns what it has (the assertions then say what is missing).
 */
async function readToEnd(transport: NamespacedTransport, topic: string, atLeast: number, timeoutMs = 30_000): Promise<IncomingMessage[]> {
  const reader = await transport.reader({ clientId: 'vf-e2e-poison-dlq' });
  try {
    await reader.assign([{ topic, partition: 0, offset: 0 }]);
    const all: IncomingMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    const end = async () => (await transport.admin().endOffsets(topic)).reduce((n, o) => n + o.offset, 0);
    let target = await end();
    while (all.length < Math.max(atLeast, target)) {
      if (Date.now() > deadline) break;
      all.push(...(await reader.poll(100, 500)));
      if (all.length >= target) target = await end();
    }
    return all;
  } finally {
    await reader.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** `n` bytes from the middle of the file replaced by deterministic noise: markers and Huffman codes broken. */
function corruptMiddle(file: Buffer, n: number): Buffer {
  const b = Buffer.from(file);
  let x = 0x2545f491;
  for (let i = Math.floor(b.length / 2); i < Math.floor(b.length / 2) + n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** The JPEG with its baseline frame header (SOF0) claiming another size: a decompression bomb by header. */
function jpegClaiming(file: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(file);
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error('no SOF0 marker in the sample JPEG');
  b.writeUInt16BE(height, sof + 5);
  b.writeUInt16BE(width, sof + 7);
  return b;
}

/** A small real PNG whose IDAT chunk has a flipped byte: its CRC no longer matches. */
async function pngWithBadCrc(): Promise<Buffer> {
  const png = Buffer.from(await sharp(SAMPLE_JPEG).resize(64, 48).png().toBuffer());
  const idat = png.indexOf('IDAT', 0, 'latin1');
  png[idat + 10]! ^= 0xff;
  return png;
}

/** A valid 24-bit BMP of solid grey: a real image in a format the pipeline does not accept. */
function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const b = Buffer.alloc(size, 0x80);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(0, 6);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(row * height, 34);
  b.fill(0, 38, 54);
  return b;
}
