// examples/client-consumer as a client team runs it: the image pipeline runs on the real broker and
// registry (all nodes in one `vision-flow run` process, under a namespace of its own), then the
// client program, its own OS process, reads the results topic with its own consumer group.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '@vision-flow/core';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { IMAGE_PIPELINE, REPO, jsonLines, runCli, type CliResult } from '../helpers/cli.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';

const CLIENT = fileURLToPath(new URL('../../examples/client-consumer/consume-analyses.ts', import.meta.url));

/** Pictures and what one sees in them; the ids are the file names, as the directory source gives them. */
const IMAGES = {
  '000000000285': { file: 'coco/000000000285', label: 'bear' }, // a brown bear's head filling the frame
  '000000000724': { file: 'coco/000000000724', label: 'stop sign' }, // an upside-down stop sign on a pole
  '000000001584': { file: 'coco/000000001584', label: 'bus' }, // a red double-decker bus
  '5': { file: 'faces/5', label: 'person', faces: 1 }, // one woman at a desk with a phone
  '2': { file: 'faces/2', label: 'person', faces: 4 }, // four women in medical clothes
} as const;
type Id = keyof typeof IMAGES;
const IDS = Object.keys(IMAGES) as Id[];

/** What the deliver node of the pipeline wrote for an image (the reference for the client's lines). */
interface Delivered {
  readonly id: string;
  readonly objects: ReadonlyArray<{ readonly label: string }>;
  readonly faces: readonly unknown[];
  readonly complete: boolean;
}

/** One line of the client, parsed: `<id>  complete  faces: <n>  objects: <label> ×<n>, …`. */
interface Line {
  readonly id: string;
  readonly complete: boolean;
  readonly faces: number;
  readonly objects: Map<string, number>;
}

function parseLine(line: string): Line {
  const m = /^(\S+) {2}(complete|partial \(missing [a-z, ]+\)) {2}faces: (\d+) {2}objects: (.+)$/.exec(line);
  if (!m) throw new Error(`not a client line: ${line}`);
  const objects = new Map<string, number>();
  if (m[4] !== 'none') {
    for (const part of m[4]!.split(', ')) {
      const o = /^(.+) ×(\d+)$/.exec(part);
      if (!o) throw new Error(`not "<label> ×<n>": ${part} in ${line}`);
      objects.set(o[1]!, Number(o[2]));
    }
  }
  return { id: m[1]!, complete: m[2] === 'complete', faces: Number(m[3]), objects };
}

const labelCounts = (objects: ReadonlyArray<{ readonly label: string }>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.label, (counts.get(o.label) ?? 0) + 1);
  return counts;
};

/** Runs the client program in its own process with only the given environment (plus PATH and HOME). */
function runClient(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, ...args], {
      cwd: REPO,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('examples/client-consumer reading the image pipeline on Kafka', () => {
  const kns = new KafkaNamespace();
  const { name: ns, brokers, registry } = kns;
  const topic = `${ns}.vision.analyses`; // vision-flow run --namespace <ns> prefixes every topic
  const group = `${ns}.client`;
  let work: string;
  let kafka: KafkaTransport;
  let delivered: Map<string, Delivered>;
  let records: number;
  let first: CliResult;
  let lines: Line[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vf-examples-client-'));
    const images = join(work, 'images');
    await mkdir(images);
    for (const [id, { file }] of Object.entries(IMAGES)) await copyFile(join(SHARED_IMAGES, `${file}.jpg`), join(images, `${id}.jpg`));

    // The pipeline, all nodes in one process on Kafka. A generous join timeout so that a slow
    // detector on a busy machine cannot turn a result into a partial one.
    const out = join(work, 'delivered.jsonl');
    const run = await runCli(
      ['run', IMAGE_PIPELINE, '--brokers', brokers, '--registry', registry, '--namespace', ns, '--images', images, '--out', out, '--set', 'timeout=60s', '--no-progress'],
      { timeoutMs: 170_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    delivered = new Map(jsonLines<Delivered>(await readFile(out, 'utf8')).map((d) => [d.id, d]));

    // One record the client cannot decode, as a careless producer might write it.
    kafka = (await kns.connect()).transport;
    const producer = await kafka.producer();
    await producer.send({ topic, key: Buffer.from('oops'), value: Buffer.from('{"id":"oops"} is JSON, not Avro') });
    await producer.close();
    records = (await kafka.admin().endOffsets(topic)).reduce((n, e) => n + e.offset, 0);

    first = await runClient(['--brokers', brokers, '--registry', registry, '--topic', topic, '--group', group, '--max', String(records), '--idle-exit', '60000']);
    lines = first.stdout.split('\n').filter((l) => l !== '').map(parseLine);
  });

  afterAll(async () => {
    await kns.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has the pipeline deliver a complete result for every image (the reference)', () => {
    expect([...delivered.keys()].sort()).toEqual([...IDS].sort());
    for (const d of delivered.values()) expect(d.complete, d.id).toBe(true);
  });

  it('exits 0 after reading every record of the topic (--max)', () => {
    expect({ code: first.code, signal: first.signal }, first.stderr).toEqual({ code: 0, signal: null });
    expect(first.stderr).toContain(`stopped: ${records} records read`);
  });

  it('prints one line per analysed image, nothing else on stdout', () => {
    expect(lines.map((l) => l.id).sort()).toEqual([...IDS].sort());
  });

  it('prints for each image the labels with counts, the face count and completeness the pipeline delivered', () => {
    for (const l of lines) {
      const d = delivered.get(l.id)!;
      expect({ complete: l.complete, faces: l.faces, objects: l.objects }, l.id).toEqual({ complete: d.complete, faces: d.faces.length, objects: labelCounts(d.objects) });
    }
  });

  it.each(IDS)('shows what is in picture %s', (id) => {
    const l = lines.find((x) => x.id === id)!;
    const want = IMAGES[id];
    expect([...l.objects.keys()], `objects of ${id}`).toContain(want.label);
    if ('faces' in want) expect(Math.abs(l.faces - want.faces), `${l.faces} faces, counted ${want.faces}`).toBeLessThanOrEqual(want.faces > 1 ? 1 : 0);
  });

  it('skips the record that is not Confluent Avro, saying where it was, and counts it', () => {
    expect(first.stderr).toMatch(new RegExp(`^consume-analyses: skipped ${topic.replace(/\./g, '\\.')}/\\d+@\\d+: not Confluent-framed Avro`, 'm'));
    expect(first.stderr).toContain(`${IDS.length} analyses (${IDS.length} complete, 0 partial), 1 skipped`);
  });

  it('commits every offset it read: its group has no lag', async () => {
    const [ends, committed] = await Promise.all([kafka.admin().endOffsets(topic), kafka.admin().committedOffsets(group, topic)]);
    const lag = ends.map((e) => e.offset - (committed.find((c) => c.partition === e.partition)?.offset ?? 0));
    expect(lag).toEqual(ends.map(() => 0));
  });

  it('started again in the same group (brokers and registry from VF_BROKERS / VF_REGISTRY), reads nothing twice', async () => {
    const again = await runClient(['--topic', topic, '--group', group, '--idle-exit', '8000'], { VF_BROKERS: brokers, VF_REGISTRY: registry });
    expect({ code: again.code, stdout: again.stdout }, again.stderr).toEqual({ code: 0, stdout: '' });
    expect(again.stderr).toContain('0 analyses (0 complete, 0 partial), 0 skipped');
    expect(again.stderr).toContain('stopped: no record for 8000 ms');
  });
});
