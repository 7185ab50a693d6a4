// Raw inference rate of the vision operators on this machine: JPEG bytes → detections for every
// image in ../shared/images, using the shared worker pool at full parallelism, warm-up excluded.
//   npx tsx bench/inference-rate.ts                    table for yolox-nano and ultraface-rfb-320
//   npx tsx bench/inference-rate.ts --compare-designs  worker pool vs sessions on the main thread (yolox-nano, COCO)
// Other benches import measureInferenceRate() to compare a whole pipeline against this limit.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, of, type OperatorFunction } from 'rxjs';
import { record, type Rec } from '@vision-flow/core';
import {
  InferencePool, catalogue, decodeImage, detectFaces, detectObjects, resolveModel,
  type DecodedImage, type DecodeImageOptions, type ImageInput, type ModelName,
} from '@vision-flow/operators';
import { openOnnxModel, decodeFrame, decodeLimits, runDetector } from '@vision-flow/operators/testing';

const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url));
export const SHARED_IMAGES = join(SHARED, 'images');
export const SHARED_MODELS = join(SHARED, 'models');

export interface InferenceRate {
  readonly model: ModelName;
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

export interface MeasureOptions {
  readonly models?: readonly ModelName[];
  /** Sub-folders of ../shared/images to read (default: all of them). */
  readonly folders?: readonly string[];
  /** Timed passes over the images after one warm-up pass (default 5). */
  readonly rounds?: number;
  readonly decode?: DecodeImageOptions;
  readonly pool?: InferencePool;
}

/** JPEG bytes → detections per second for each model, through decodeImage + the detector, one record at a time as the runtime runs them. */
export async function measureInferenceRate(opts: MeasureOptions = {}): Promise<InferenceRate[]> {
  const images = await loadImages(opts.folders);
  const pool = opts.pool ?? new InferencePool();
  const out: InferenceRate[] = [];
  for (const model of opts.models ?? (['yolox-nano', 'ultraface-rfb-320'] as const)) {
    const detect: OperatorFunction<Rec<string, DecodedImage>, Rec<string, unknown>> =
      catalogue[model].task === 'objects'
        ? detectObjects({ model: model as 'yolox-nano', modelDir: SHARED_MODELS, pool })
        : detectFaces({ model: model as 'ultraface-rfb-320', modelDir: SHARED_MODELS, pool });
    const one = (value: ImageInput): Promise<unknown> => firstValueFrom(of(record({ key: value.id, value })).pipe(decodeImage(opts.decode), detect));
    // Twice the pool's capacity in flight: decoding on the main thread overlaps inference in the workers.
    out.push({ model, ...(await timed(images, opts.rounds ?? 5, 2 * pool.capacity, one)) });
  }
  if (!opts.pool) await pool.close();
  return out;
}

/** The design question: worker threads vs sessions on the main thread, yolox-nano on the COCO images. */
export async function compareDesigns(rounds = 5): Promise<Array<{ design: string; imagesPerSecond: number }>> {
  const images = await loadImages(['coco']);
  const yolox = await resolveModel('yolox-nano', { modelDir: SHARED_MODELS });
  const params = { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 100 };
  const limits = decodeLimits();
  const results: Array<{ design: string; imagesPerSecond: number }> = [];
  const add = (design: string, r: { imagesPerSecond: number }): void => {
    results.push({ design, imagesPerSecond: r.imagesPerSecond });
    console.log(`${design.padEnd(58)} ${r.imagesPerSecond.toFixed(1)} images/s`);
  };

  for (const perWorker of [2, 1]) {
    const pool = new InferencePool({ perWorker });
    const [r] = await measureInferenceRate({ models: ['yolox-nano'], folders: ['coco'], rounds, pool });
    add(`worker pool: ${pool.size} workers × ${perWorker} in flight, 1 thread each`, r!);
    await pool.close();
  }
  {
    const pool = new InferencePool();
    const [r] = await measureInferenceRate({ models: ['yolox-nano'], folders: ['coco'], rounds, pool, decode: { ignoreIcc: false } });
    add(`worker pool, ICC profiles applied (ignoreIcc: false)`, r!);
    await pool.close();
  }
  for (const [sessions, threads] of [[1, 2], [2, 1]] as const) {
    const ss = await Promise.all(Array.from({ length: sessions }, () => openOnnxModel(yolox.path, { intraOpNumThreads: threads })));
    let next = 0;
    const one = async (v: ImageInput): Promise<unknown> => runDetector(ss[next++ % sessions]!, catalogue['yolox-nano'], await decodeFrame(v.id, v.image, limits), params);
    add(`main thread: ${sessions} session(s) × ${threads} intra-op thread(s), 4 in flight`, await timed(images, rounds, 4, one));
    await Promise.all(ss.map((s) => s.session.release()));
  }
  return results;
}

async function loadImages(folders?: readonly string[]): Promise<ImageInput[]> {
  const dirs = folders ?? (await readdir(SHARED_IMAGES));
  const out: ImageInput[] = [];
  for (const d of dirs) {
    for (const f of (await readdir(join(SHARED_IMAGES, d))).sort()) out.push({ id: `${d}/${f}`, image: await readFile(join(SHARED_IMAGES, d, f)) });
  }
  return out;
}

/** One untimed pass, then `rounds` timed passes with `inFlight` calls running at once. */
async function timed(images: readonly ImageInput[], rounds: number, inFlight: number, one: (v: ImageInput) => Promise<unknown>): Promise<Omit<InferenceRate, 'model'>> {
  const pass = async (n: number): Promise<void> => {
    let i = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (i < n) await one(images[i++ % images.length]!);
    }));
  };
  await pass(images.length);
  const started = performance.now();
  await pass(images.length * rounds);
  const seconds = (performance.now() - started) / 1000;
  return { images: images.length * rounds, seconds, imagesPerSecond: (images.length * rounds) / seconds };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--compare-designs')) {
    await compareDesigns();
  } else {
    const pool = new InferencePool();
    const rows = await measureInferenceRate({ pool });
    await pool.close();
    console.log(`raw inference rate, JPEG bytes → detections, ${pool.size} workers × ${pool.perWorker} in flight`);
    console.log('model                 images  seconds  images/s');
    for (const r of rows) console.log(`${r.model.padEnd(20)} ${String(r.images).padStart(7)} ${r.seconds.toFixed(2).padStart(8)} ${r.imagesPerSecond.toFixed(1).padStart(9)}`);
  }
}
