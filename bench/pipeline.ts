// The whole image pipeline, embedded (TopologyRunner on the memory transport and the in-memory
// schema registry, as `vision-flow run` does without --brokers), over ../shared/images, against the
// limit its two models set on this machine. Prints both rates and their ratio.
//   npx tsx bench/pipeline.ts                 ≥ 20 s of pipeline (the repeat count is calibrated)
//   npx tsx bench/pipeline.ts --seconds 60    a longer run
//
// The limit: the pipeline runs BOTH yolox-nano (objects) and ultraface-rfb-320 (faces) on every
// image, on the same cores. measureInferenceRate() gives each model's rate with the whole machine
// to itself (JPEG bytes → detections, decode included, as each vision node decodes on its own), so
// one image costs 1/r_objects + 1/r_faces seconds of the machine and the best the pipeline can do
// is 1 / (1/r_objects + 1/r_faces) images/s. That holds when each model alone keeps every core
// busy; the bench prints the cores each phase kept busy so a reader can tell. The raw rates are
// measured before and after the pipeline and averaged, since the machine may be shared.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemorySchemaRegistry, MemoryTransport, TopologyRunner } from '@vision-flow/core';
import { closeInferencePool, inferencePool } from '@vision-flow/operators';
import imagePipeline from '../topologies/image-pipeline.js';
import { measureInferenceRate, SHARED_IMAGES, SHARED_MODELS, type InferenceRate } from './inference-rate.js';

export interface PipelineRun {
  readonly repeat: number;
  readonly submitted: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly complete: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** CPU time of this process (all its threads) per second of the run: 2.0 keeps both cores of a 2-core machine busy. */
  readonly coresBusy: number;
}

export interface RawRate extends InferenceRate {
  readonly coresBusy: number;
}

export interface PipelineBench {
  /** Each model's rate, measured before and after the pipeline (the machine may be shared). */
  readonly rawBefore: readonly RawRate[];
  readonly rawAfter: readonly RawRate[];
  /** The mean of before and after, per model. */
  readonly rObjects: number;
  readonly rFaces: number;
  /** 1 / (1/r_objects + 1/r_faces): both detectors on every image, on the same cores. */
  readonly limit: number;
  readonly warmUp: PipelineRun;
  readonly timed: PipelineRun;
  readonly ratio: number;
}

const MODELS = ['yolox-nano', 'ultraface-rfb-320'] as const;

/** Runs `fn`, returning its result with the cores this process kept busy meanwhile. */
async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; coresBusy: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, seconds, coresBusy: (used.user + used.system) / 1e6 / seconds };
}

/** Each model on its own, the whole machine to itself, through the operators' own pool. */
async function measureRaw(): Promise<RawRate[]> {
  const out: RawRate[] = [];
  for (const model of MODELS) {
    const { value, coresBusy } = await withCpu(() => measureInferenceRate({ models: [model] }));
    out.push({ ...value[0]!, coresBusy });
  }
  await closeInferencePool();
  return out;
}

/**
 * One run of the image pipeline over ../shared/images, `repeat` times, timed from start until
 * every node drained (as the CLI's summary is). Results go to `out` (JSON lines, appended).
 */
async function runPipeline(repeat: number, out: string): Promise<PipelineRun> {
  const linesBefore = await countLines(out);
  const transport = new MemoryTransport();
  const log: string[] = [];
  const runner = new TopologyRunner(imagePipeline, {
    transport,
    registry: new InMemorySchemaRegistry(),
    params: { images: SHARED_IMAGES, repeat, out },
    modelDir: process.env['VF_MODEL_DIR'] ?? SHARED_MODELS,
    log: (m) => log.push(m),
  });
  let rejected = 0;
  runner.emitter.on('node.record_dead_lettered', () => void rejected++);
  const { seconds, coresBusy } = await withCpu(async () => {
    await runner.start();
    await runner.runUntilDrained();
  });
  await transport.close();
  const stats = runner.stats();
  const submitted = stats.find((s) => s.node === 'ingest')!.processed;
  const delivered = stats.find((s) => s.node === 'deliver')!.processed;
  const results = (await readFile(out, 'utf8')).split('\n').filter((l) => l !== '').slice(linesBefore);
  const complete = results.filter((l) => (JSON.parse(l) as { complete: boolean }).complete).length;
  if (log.length > 0) console.log(`  (runtime log: ${log.length} lines, first: ${log[0]})`);
  return { repeat, submitted, delivered, rejected, complete, seconds, imagesPerSecond: delivered / seconds, coresBusy };
}

async function countLines(file: string): Promise<number> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

export async function benchPipeline(minSeconds = 20): Promise<PipelineBench> {
  const rawBefore = await measureRaw();
  const dir = await mkdtemp(join(tmpdir(), 'vf-bench-pipeline-'));
  const out = join(dir, 'results.jsonl');
  let warmUp: PipelineRun;
  let timed: PipelineRun;
  try {
    // Warm-up: starts the inference workers, loads the models, and gives a first guess of the rate.
    warmUp = await runPipeline(1, out);
    let repeat = Math.max(2, Math.ceil((minSeconds * 1.2 * warmUp.imagesPerSecond) / warmUp.delivered));
    timed = await runPipeline(repeat, out);
    while (timed.seconds < minSeconds) {
      repeat = Math.ceil((repeat * minSeconds * 1.2) / timed.seconds);
      timed = await runPipeline(repeat, out);
    }
  } finally {
    await closeInferencePool();
    await rm(dir, { recursive: true, force: true });
  }
  const rawAfter = await measureRaw();
  const mean = (model: string) => [...rawBefore, ...rawAfter].filter((r) => r.model === model).reduce((sum, r, _, all) => sum + r.imagesPerSecond / all.length, 0);
  const rObjects = mean('yolox-nano');
  const rFaces = mean('ultraface-rfb-320');
  const limit = 1 / (1 / rObjects + 1 / rFaces);
  return { rawBefore, rawAfter, rObjects, rFaces, limit, warmUp, timed, ratio: timed.imagesPerSecond / limit };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const f1 = (v: number): string => v.toFixed(1);

async function main(): Promise<void> {
  const minSeconds = Number(arg('seconds') ?? 20);
  const pool = inferencePool();
  console.log(`image pipeline, embedded (memory transport, in-memory registry) over ${SHARED_IMAGES}`);
  console.log(`${availableParallelism()} cores, load average at start ${loadavg().map(f1).join(' ')}; inference pool ${pool.size} workers × ${pool.perWorker} in flight`);
  const b = await benchPipeline(minSeconds);
  console.log(`load average at end ${loadavg().map(f1).join(' ')}`);
  console.log('');
  console.log('raw inference rate (JPEG bytes → detections, decode included, one model at a time), before and after the pipeline:');
  for (const [when, rows] of [['before', b.rawBefore], ['after', b.rawAfter]] as const) {
    for (const r of rows) {
      console.log(`  ${when.padEnd(6)} ${r.model.padEnd(18)} ${String(r.images).padStart(4)} images ${r.seconds.toFixed(2).padStart(6)} s ${f1(r.imagesPerSecond).padStart(7)} images/s  (${r.coresBusy.toFixed(2)} cores busy)`);
    }
  }
  console.log(`  mean   r_objects = ${f1(b.rObjects)} images/s, r_faces = ${f1(b.rFaces)} images/s`);
  console.log('');
  console.log('limit: the pipeline runs BOTH detectors on every image (each vision node decodes it too), on the same');
  console.log(`cores, so one image costs 1/r_objects + 1/r_faces = 1/${f1(b.rObjects)} + 1/${f1(b.rFaces)} s = ${((1 / b.rObjects + 1 / b.rFaces) * 1000).toFixed(1)} ms of the machine:`);
  console.log(`  limit = 1 / (1/r_objects + 1/r_faces) = ${f1(b.limit)} images/s`);
  console.log('(this holds when each model alone keeps every core busy; where one alone does not, the pipeline can');
  console.log(' overlap it with the other and beat the figure: compare the cores busy above.)');
  console.log('');
  const line = (name: string, r: PipelineRun) =>
    `  ${name.padEnd(7)} repeat ${String(r.repeat).padStart(3)}: ${r.delivered} of ${r.submitted} images delivered (${r.complete} complete, ${r.rejected} dead letters) in ${r.seconds.toFixed(1)} s = ${f1(r.imagesPerSecond)} images/s  (${r.coresBusy.toFixed(2)} cores busy)`;
  console.log('pipeline, from start until every node drained (as the CLI summary counts):');
  console.log(line('warm-up', b.warmUp));
  console.log(line('timed', b.timed));
  console.log('');
  console.log(`ratio: pipeline / limit = ${f1(b.timed.imagesPerSecond)} / ${f1(b.limit)} = ${b.ratio.toFixed(2)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
