import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunResources, VisionFlowError } from '@vision-flow/core';
import { runInFreshNode } from '../../../../test/helpers/fresh-node.js';
import { catalogue } from '../models/catalogue.js';
import { DecodedFrameCache } from './decoded-frame-cache.js';
import { InferencePool, prestartInferencePool, runInferencePool, type InferenceRequest } from './inference-pool.js';
import { closeWorker, InferenceWorkers } from './inference-workers.js';

const MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));
const YOLOX = catalogue['yolox-nano'];

/** A grey 64×48 JPEG, decoded in the worker. */
let greyJpeg: Buffer;
const decoding = { failOn: 'warning', ignoreIcc: true, maxPixels: 40_000_000 } as const;

/** A grey 64×48 image through yolox-nano: real decode and inference, no detections. */
const request = (modelPath = join(MODELS, YOLOX.file), encoded: Uint8Array = greyJpeg): InferenceRequest => ({
  modelPath,
  model: { input: YOLOX.input, output: YOLOX.output },
  image: { width: 64, height: 48, format: 'jpeg', orientation: 1, encoded, decoding },
  params: { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 100 },
});

async function failure(p: Promise<unknown>): Promise<VisionFlowError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(VisionFlowError);
  return e as VisionFlowError;
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('InferencePool', () => {
  const pools: InferencePool[] = [];
  const pool = (opts: ConstructorParameters<typeof InferencePool>[0]): InferencePool => {
    const p = new InferencePool(opts);
    pools.push(p);
    return p;
  };
  beforeAll(async () => {
    greyJpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('runs frames on workers and reports stage timings', async () => {
    const p = pool({ size: 2, perWorker: 1 });
    const results = await Promise.all([p.run(request()), p.run(request())]);
    expect(p.workers).toBe(2); // the second frame started a second worker instead of queueing
    for (const r of results) {
      expect(r.detections).toEqual([]);
      expect(r.timings.inferMs).toBeGreaterThan(0);
    }
    // The workers decode JPEGs with libjpeg-turbo's addon (jpeg-turbo.ts); nothing on this thread loads it.
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain('libturbojpeg');
    // ONNX Runtime's telemetry store stays closed (onnx-session.ts): no descriptor of the process points at it.
    const open = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } });
    expect(open.filter((f) => f.includes('onnxruntime.db'))).toEqual([]);
  }, 30_000);

  it('keeps at most size × perWorker frames on workers; the other callers wait', async () => {
    const p = pool({ size: 1, perWorker: 2 });
    expect(p.capacity).toBe(2);
    const runs = Array.from({ length: 5 }, () => p.run(request()));
    await nextTurn();
    expect([p.inFlight, p.waitingCallers]).toEqual([2, 3]);
    await Promise.all(runs);
    expect([p.inFlight, p.waitingCallers, p.workers]).toEqual([0, 0, 1]);
  }, 30_000);

  it('starts every worker when warmed for a model, before any frame, and runs frames on them after', async () => {
    const p = pool({ size: 2, perWorker: 1 });
    p.warm(join(MODELS, YOLOX.file));
    expect(p.workers).toBe(2);
    const results = await Promise.all([p.run(request()), p.run(request())]);
    expect(results.map((r) => r.detections)).toEqual([[], []]);
    expect(p.workers).toBe(2);
    await p.close();
    p.warm(join(MODELS, YOLOX.file)); // a closed pool starts nothing
    expect(p.workers).toBe(0);
  }, 30_000);

  it("is started ahead by prestartInferencePool, and that started pool is the run's", async () => {
    const resources = new RunResources();
    prestartInferencePool(resources);
    const p = runInferencePool(resources);
    expect(p.workers).toBe(p.size); // running before any model is known
    await resources.closeUnclaimed(); // taken: stays open
    expect((await p.run(request())).detections).toEqual([]);
    await resources.close();
    expect(p.workers).toBe(0);
  }, 30_000);

  it('runs on workers started ahead of it, with their frame cache, and closes those it never took', async () => {
    const started = new InferenceWorkers({ size: 2, frameCache: { frames: 4, frameBytes: 1024 * 1024 } }).start();
    expect(started.waiting).toBe(2);
    const p = pool({ workers: started, perWorker: 1 });
    expect(p.size).toBe(2);
    expect((await p.run(request())).detections).toEqual([]);
    expect([p.workers, started.waiting], 'one frame took one of them').toEqual([1, 1]);
    expect(p.frameCacheStats()?.misses, 'decoded into the shared cache').toBe(1);
    await p.close();
    expect(started.waiting, 'the other was closed with the pool').toBe(0);

    const noCache = new InferenceWorkers({ size: 1, frameCache: false });
    expect(pool({ workers: noCache }).frameCacheStats()).toBeUndefined();
  }, 30_000);

  it('ends started workers nobody took, once they have loaded, and leaves the taken ones to their taker', async () => {
    const started = new InferenceWorkers({ size: 2 }).start();
    const taken = started.take();
    let takenExited = false;
    taken.once('exit', () => (takenExited = true));
    await started.close(); // resolves on the exit of the one left
    expect(started.waiting).toBe(0);
    expect(takenExited).toBe(false);
    await closeWorker(taken);
    expect(takenExited).toBe(true);
  }, 30_000);

  it('gives a waiting place to the model given the fewest so far, not first come first served', async () => {
    // One place: a fast model's callers queued first would otherwise all run before a slower model's
    // one, and a detector node on the fast model would run ahead of the other (past the frame cache).
    const p = pool({ size: 1, perWorker: 1 });
    const faces = catalogue['ultraface-rfb-320'];
    const facesRequest: InferenceRequest = { ...request(join(MODELS, faces.file)), model: { input: faces.input, output: faces.output } };
    const order: string[] = [];
    const run = (name: string, req: InferenceRequest): Promise<void> => p.run(req).then(() => void order.push(name));
    await Promise.all([run('faces 1', facesRequest), run('faces 2', facesRequest), run('faces 3', facesRequest), run('objects 1', request())]);
    expect(order).toEqual(['faces 1', 'objects 1', 'faces 2', 'faces 3']);
  }, 30_000);

  it('fails one call with INFERENCE_FAILED when the model cannot be loaded, and goes on', async () => {
    const p = pool({ size: 1, perWorker: 1 });
    const e = await failure(p.run(request('/nonexistent/model.onnx')));
    expect(e.code).toBe('INFERENCE_FAILED');
    expect(e.message).toContain('/nonexistent/model.onnx');
    expect((await p.run(request())).detections).toEqual([]);
  }, 30_000);

  it('fails one call with IMAGE_UNDECODABLE when the worker cannot decode the image, and goes on', async () => {
    const p = pool({ size: 1, perWorker: 1 });
    const e = await failure(p.run(request(undefined, greyJpeg.subarray(0, greyJpeg.length >> 1))));
    expect([e.code, e.retriable]).toEqual(['IMAGE_UNDECODABLE', false]);
    expect(e.message).toMatch(/premature end/i);
    expect((await p.run(request())).detections).toEqual([]);
  }, 30_000);

  it('fails the frames of a worker that dies with a retriable error and starts a new worker', async () => {
    const p = pool({ size: 1, perWorker: 1 });
    await p.run(request());
    // The frame's slot is held as if another worker were decoding it, so the pool's worker waits for
    // that in JavaScript (up to 2 s): it is killed there, as a crash would, and not inside a native
    // call, which would abort this test process (see inference-worker.ts).
    const internals = p as unknown as { frameCacheView: DecodedFrameCache; slots: Array<{ worker: { terminate(): Promise<number> } }> };
    const other = request(undefined, await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 9, b: 9 } } }).jpeg().toBuffer());
    const held = internals.frameCacheView.acquire(other.image, DecodedFrameCache.keyOf(other.image), 64 * 48 * 3);
    expect(held.kind).toBe('miss');
    const running = failure(p.run(other));
    await new Promise((r) => setTimeout(r, 300));
    await internals.slots[0]!.worker.terminate();
    if (held.kind === 'miss') held.reservation?.abandon();
    const e = await running;
    expect([e.code, e.retriable]).toEqual(['INFERENCE_WORKER_FAILED', true]);
    expect((await p.run(request())).detections).toEqual([]);
  }, 30_000);

  it('fails running and waiting calls when closed, and every later call', async () => {
    const p = pool({ size: 1, perWorker: 1 });
    await p.run(request()); // the worker is up
    const running = failure(p.run(request()));
    const waiting = failure(p.run(request()));
    await nextTurn();
    expect([p.inFlight, p.waitingCallers]).toEqual([1, 1]);
    const worker = (p as unknown as { slots: Array<{ worker: Worker }> }).slots[0]!.worker;
    const exitCode = new Promise((resolve) => worker.once('exit', resolve));
    await p.close();
    // The worker finished its frame and ended by itself (terminate() would give exit code 1).
    expect(await exitCode).toBe(0);
    expect((await running).code).toBe('INFERENCE_POOL_CLOSED');
    expect((await waiting).code).toBe('INFERENCE_POOL_CLOSED');
    expect((await failure(p.run(request()))).code).toBe('INFERENCE_POOL_CLOSED');
  }, 30_000);

  it('decodes an image that two models run on once, on whichever worker gets it first, with the same detections', async () => {
    const encoded = await readFile(join(MODELS, '..', 'images', 'faces', '1.jpg')); // 720×478, faces and people
    const faces = catalogue['ultraface-rfb-320'];
    const image = { width: 720, height: 478, format: 'jpeg', orientation: 1, encoded, decoding };
    const both = (p: InferencePool) => Promise.all([
      p.run({ ...request(), image }),
      p.run({ modelPath: join(MODELS, faces.file), model: { input: faces.input, output: faces.output }, image, params: { scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 100 } }),
    ]);
    const cached = pool({ size: 2, perWorker: 1 });
    const [objects, found] = await both(cached);
    expect(cached.workers).toBe(2);
    expect(cached.frameCacheStats()).toEqual({ hits: 1, misses: 1, uncached: 0 });
    const plain = pool({ size: 2, perWorker: 1, frameCache: false });
    const [objects2, found2] = await both(plain);
    expect(plain.frameCacheStats()).toBeUndefined();
    expect(objects.detections.length).toBeGreaterThan(0);
    expect(found.detections.length).toBeGreaterThan(0);
    expect(objects.detections).toEqual(objects2.detections);
    expect(found.detections).toEqual(found2.detections);
  }, 30_000);

  it('refuses a bad size', () => {
    expect(() => new InferencePool({ size: 0 })).toThrow(/inference pool: size must be a positive integer, got 0/);
  });

  it('keeps a process alive while it awaits a result, and never after', async () => {
    // A script that awaits inference at top level and never closes the pool. The second call runs on
    // an idle, started worker: the script must print its result (busy workers are ref()-ed) and then
    // exit on its own (idle workers are unref()-ed).
    const started = Date.now();
    const out = await runInFreshNode([
      `import { InferencePool } from ${JSON.stringify(new URL('./inference-pool.ts', import.meta.url).href)};`,
      `const req = ${JSON.stringify(request())};`,
      `const pool = new InferencePool({ size: 1 });`,
      `const run = () => pool.run({ ...req, image: { ...req.image, encoded: Buffer.from(req.image.encoded.data) } });`,
      `await run();`,
      `await new Promise((r) => setTimeout(r, 200));`,
      `console.log('detections', (await run()).detections.length);`,
    ]);
    expect(out).toBe('detections 0');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 70_000);

  it('survives pools closed at any moment of their first request, on a busy machine', async () => {
    // A worker terminated inside a native call (sharp's addon loading, an ONNX session or run) aborts
    // the whole process ("terminate called after throwing an instance of 'Napi::Error'"): seen in CI,
    // where the machine is busy, so the script keeps both cores busy itself while it closes 40 pools
    // after 0-57 ms, each with a frame on its starting worker. It runs the built package, as a node
    // process does: from source, the workers load through tsx and start too slowly to show it.
    const out = await runInFreshNode([
      `import { Worker } from 'node:worker_threads';`,
      `import { InferencePool } from ${JSON.stringify(new URL('../../dist/vision/inference-pool.js', import.meta.url).href)};`,
      `const spinners = [0, 1].map(() => new Worker('for (;;) {}', { eval: true }));`,
      `const req = ${JSON.stringify(request())};`,
      `const image = { ...req.image, encoded: Buffer.from(req.image.encoded.data) };`,
      `for (let i = 0; i < 40; i++) {`,
      `  const pool = new InferencePool({ size: 1, perWorker: 1 });`,
      `  const run = pool.run({ ...req, image }).catch(() => undefined);`,
      `  await new Promise((r) => setTimeout(r, (i % 20) * 3));`,
      `  await pool.close();`,
      `  await run;`,
      `}`,
      `await Promise.all(spinners.map((w) => w.terminate()));`,
      `console.log('closed 40');`,
    ], { from: 'built', timeoutMs: 120_000 });
    expect(out).toBe('closed 40');
  }, 130_000);
});
