import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageAnalysis } from '../../topologies/image-pipeline/schemas.js';
import { CliProcess, IMAGE_PIPELINE, REPO, jsonLines, runCli } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { endProcesses } from '../helpers/end-processes.js';
import { kafkaBrokers } from '../helpers/kafka-env.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';

// The image pipeline as five OS processes (one per node) talking only through Kafka gets the same
// detections as the embedded run, and every consuming node's consumer group ends with committed
// offsets on all its input partitions and zero lag, as Kafka's own consumer-groups tool reports.

const brokers = kafkaBrokers();
const IMAGE_COUNT = 40; // ../shared/images

/** Nodes that consume, with their input topics (as the topology names them, before the namespace). */
const CONSUMERS = {
  objects: ['images.submitted'],
  faces: ['images.submitted'],
  aggregate: ['vision.objects', 'vision.faces'],
  deliver: ['vision.analyses'],
} as const;
type ConsumerNode = keyof typeof CONSUMERS;
const PARTITIONS = 6; // every topic of the image pipeline

/** One row of `kafka-consumer-groups --describe`. Offsets and lag are undefined where it prints `-`. */
interface GroupRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | undefined;
  logEndOffset: number;
  lag: number | undefined;
  consumerId: string;
}

/** Runs Kafka's consumer-groups tool through scripts/stack.sh (the stack's classpath) and parses its table. */
async function describeGroups(groups: readonly string[]): Promise<{ rows: GroupRow[]; stdout: string }> {
  const args = ['scripts/stack.sh', 'kafka-tool', 'consumer-groups', '--bootstrap-server', brokers, '--describe', ...groups.flatMap((g) => ['--group', g])];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', args, { cwd: REPO, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout: out, stderr: err });
    });
  });
  if (code !== 0) throw new Error(`kafka-consumer-groups exited ${code}:\n${stderr}\n${stdout}`);
  // Errors (e.g. GroupIdNotFoundException) come on stdout with exit 0; refuse them.
  if (/^Error:/m.test(stdout)) throw new Error(`kafka-consumer-groups failed:\n${stdout}`);
  const num = (s: string | undefined) => (s === undefined || s === '-' ? undefined : Number(s));
  const wanted = new Set(groups);
  const rows = stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => wanted.has(cols[0]!) && cols.length >= 7)
    .map(([group, topic, partition, current, end, lag, consumerId]) => ({
      group: group!,
      topic: topic!,
      partition: Number(partition),
      currentOffset: num(current),
      logEndOffset: Number(end),
      lag: num(lag),
      consumerId: consumerId!,
    }));
  return { rows, stdout };
}

/** Every input partition of every group is listed, has a committed offset, and has zero lag. */
function caughtUp(rows: readonly GroupRow[], ns: string): boolean {
  return (Object.entries(CONSUMERS) as Array<[ConsumerNode, readonly string[]]>).every(([node, topics]) =>
    topics.every((t) => {
      const mine = rows.filter((r) => r.group === `${ns}.image-pipeline.${node}` && r.topic === `${ns}.${t}`);
      return mine.length === PARTITIONS && mine.every((r) => r.currentOffset !== undefined && r.lag === 0);
    }),
  );
}

const byId = (results: readonly ImageAnalysis[]) => new Map(results.map((r) => [r.id, r]));
const byBox = <T extends { box: { x: number; y: number } }>(a: T, b: T) => a.box.x - b.box.x || a.box.y - b.box.y;

describe('the image pipeline as five processes on Kafka', () => {
  const kns = new KafkaNamespace();
  const ns = kns.name;
  const groups = (Object.keys(CONSUMERS) as ConsumerNode[]).map((n) => `${ns}.image-pipeline.${n}`);
  let work: string;
  let reference: Map<string, ImageAnalysis>;
  const nodes = new Map<ConsumerNode, CliProcess>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vf-five-'));
    await kns.connect();
    // The reference: the embedded run (memory transport, one process, no brokers in its environment).
    const refFile = join(work, 'embedded.jsonl');
    const ref = await runCli(['run', IMAGE_PIPELINE, '--images', SHARED_IMAGES, '--out', refFile, '--no-progress'], { timeoutMs: 120_000 });
    expect(ref.code, ref.stderr).toBe(0);
    reference = byId(jsonLines<ImageAnalysis>(await readFile(refFile, 'utf8')));
    expect(reference.size).toBe(IMAGE_COUNT);
  });

  afterAll(async () => {
    await endProcesses(nodes.values());
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('gets the embedded run\'s detections, commits every input offset, and stops each node cleanly', async () => {
    const out = join(work, 'kafka.jsonl');
    const common = [...kns.cliArgs, '--no-progress'];
    // Consumers first, as an operator would start them. A generous join timeout so that a slow
    // detector on a busy machine cannot turn a result into a partial one.
    for (const node of Object.keys(CONSUMERS) as ConsumerNode[]) {
      const extra = node === 'deliver' ? ['--out', out] : node === 'aggregate' ? ['--set', 'timeout=60s'] : [];
      nodes.set(node, new CliProcess(['run', IMAGE_PIPELINE, '--node', node, ...common, ...extra], { timeoutMs: 175_000 }));
    }
    // Each node creates its topics before it subscribes; wait until all four have.
    const admin = kns.view.ns.admin();
    await waitFor('the consumer nodes to create their topics', async () => {
      for (const [node, p] of nodes) if (p.child.exitCode !== null) throw new Error(`${node} exited early (${p.child.exitCode}):\n${p.stderr}`);
      const topics = new Set(await admin.listTopics());
      return ['objects.dlq', 'faces.dlq', 'aggregate.dlq', 'deliver.dlq', 'vision.analyses'].every((t) => topics.has(t)) || undefined;
    }, 60_000);

    const ingest = await runCli(['run', IMAGE_PIPELINE, '--node', 'ingest', ...common, '--images', SHARED_IMAGES], { timeoutMs: 120_000 });
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stderr).toContain(`ingest: ${IMAGE_COUNT} images in, ${IMAGE_COUNT} produced, 0 dead-lettered`);

    const lines = await waitFor('40 result lines from deliver', async () => {
      for (const [node, p] of nodes) if (p.child.exitCode !== null) throw new Error(`${node} exited early (${p.child.exitCode}):\n${p.stderr}`);
      const text = await readFile(out, 'utf8').catch(() => '');
      const done = text.endsWith('\n') ? jsonLines<ImageAnalysis>(text) : [];
      return done.length >= IMAGE_COUNT ? done : undefined;
    }, 120_000);

    // Same detections as the embedded run, per image id.
    expect(lines).toHaveLength(IMAGE_COUNT);
    const got = byId(lines);
    expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
    const tolerance = 1; // pixels; both runs use the same models on the same bytes
    for (const [id, ref] of reference) {
      const r = got.get(id)!;
      expect(r.complete, id).toBe(true);
      expect([r.width, r.height], id).toEqual([ref.width, ref.height]);
      expect(r.objects.map((o) => o.label).sort(), id).toEqual(ref.objects.map((o) => o.label).sort());
      expect(r.faces.length, id).toBe(ref.faces.length);
      const pairs = [
        ...pairUp([...r.objects].sort((a, b) => a.label.localeCompare(b.label) || byBox(a, b)), [...ref.objects].sort((a, b) => a.label.localeCompare(b.label) || byBox(a, b))),
        ...pairUp([...r.faces].sort(byBox), [...ref.faces].sort(byBox)),
      ];
      for (const [a, b] of pairs) {
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(a.box[k] - b.box[k]), `${id} box.${k}`).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(a.score - b.score), `${id} score`).toBeLessThanOrEqual(0.01);
      }
    }

    // Before any SIGTERM: each group, with its members still running, has committed every input
    // partition up to the end (commits are periodic, so poll the tool until they land).
    const before = await waitFor('zero lag in every group', async () => {
      const d = await describeGroups(groups);
      return caughtUp(d.rows, ns) ? d : undefined;
    }, 60_000, 500);
    for (const node of Object.keys(CONSUMERS) as ConsumerNode[]) {
      const rows = before.rows.filter((r) => r.group === `${ns}.image-pipeline.${node}`);
      expect(rows.every((r) => r.consumerId !== '-'), `${node} has a live member while describing\n${before.stdout}`).toBe(true);
      // Every input topic holds one record per image, all consumed.
      for (const t of CONSUMERS[node]) {
        const consumed = rows.filter((r) => r.topic === `${ns}.${t}`).reduce((n, r) => n + r.currentOffset!, 0);
        expect(consumed, `${node} on ${t}\n${before.stdout}`).toBe(IMAGE_COUNT);
      }
    }

    // SIGTERM: each node drains, commits and exits 0 within the deadline.
    await stopAndCheckExit(nodes, { withinMs: 20_000 });

    // After: the same committed offsets, still zero lag, and no members left.
    const after = await describeGroups(groups);
    expect(caughtUp(after.rows, ns), after.stdout).toBe(true);
    expect(after.rows.every((r) => r.consumerId === '-'), after.stdout).toBe(true);
    const offsets = (rows: readonly GroupRow[]) => rows.map((r) => `${r.group} ${r.topic}/${r.partition}=${r.currentOffset}`).sort();
    expect(offsets(after.rows)).toEqual(offsets(before.rows));
  });
});

function pairUp<T>(a: readonly T[], b: readonly T[]): Array<[T, T]> {
  return a.map((x, i) => [x, b[i]!]);
}
