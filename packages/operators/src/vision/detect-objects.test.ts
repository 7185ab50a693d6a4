import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, from, of, toArray } from 'rxjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InMemorySchemaRegistry, MemoryTransport, TopologyRunner, operatorName, param, record, topology, type Params } from '@vision-flow/core';
import { jsonLinesSink } from '../sinks/json-lines-sink.js';
import { directorySource } from '../sources/directory-source.js';
import type { Box } from './box.js';
import { decodeImage, type DecodeImageOptions } from './decode-image.js';
import { detectObjects, type DetectObjectsOptions, type ObjectDetections } from './detect-objects.js';
import { InferencePool } from './inference-pool.js';

const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
const MODELS = join(SHARED, 'models');
/** The tests' own pool, as a run has one (a plain-RxJS subscription without one starts and closes its own). */
const pool = new InferencePool();
afterAll(() => pool.close());
const coco = (id: string): Promise<Buffer> => readFile(join(SHARED, 'images', 'coco', `${id}.jpg`));

/** One record through decode + detect, as the runtime runs each record. */
async function detect(id: string, image: Buffer, opts: DetectObjectsOptions = {}, decode: DecodeImageOptions = {}): Promise<ObjectDetections> {
  const out = await firstValueFrom(of(record({ key: id, value: { id, image } })).pipe(decodeImage(decode), detectObjects({ modelDir: MODELS, pool, ...opts })));
  return out.value;
}

const iou = (a: Box, b: Box): number => {
  const iw = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (iw * ih) / (a.width * a.height + b.width * b.height - iw * ih);
};

interface Case {
  readonly image: string;
  /** What a person sees in the picture (checked by looking at it). */
  readonly label: string;
  /** Where it is, [x, y, width, height] in original pixels, checked on an annotated render. */
  readonly box: readonly [number, number, number, number];
}

// Labels come from looking at the pictures; boxes were checked by eye on annotated renders.
const CASES: Case[] = [
  { image: '000000000285', label: 'bear', box: [0, 65, 573, 572] }, // a brown bear filling the frame
  { image: '000000000724', label: 'stop sign', box: [120, 71, 134, 157] }, // upside-down stop sign, upper middle
  { image: '000000001584', label: 'bus', box: [132, 86, 391, 448] }, // red double-decker in the middle
  { image: '000000002006', label: 'bus', box: [49, 80, 555, 342] }, // purple single-decker bus
  { image: '000000001818', label: 'zebra', box: [124, 50, 515, 374] }, // zebra foal and mother
  { image: '000000000776', label: 'teddy bear', box: [129, 0, 298, 536] }, // a heap of teddy bears
  { image: '000000001675', label: 'cat', box: [0, 5, 609, 373] }, // black-and-white cat over a laptop
  { image: '000000002149', label: 'apple', box: [336, 69, 252, 252] }, // bowl of green apples, the right one
  { image: '000000001761', label: 'airplane', box: [278, 138, 56, 46] }, // the lower of two planes above the Harbour Bridge
  { image: '000000000885', label: 'person', box: [276, 84, 141, 314] }, // tennis player serving
  { image: '000000000885', label: 'tennis racket', box: [396, 269, 81, 41] },
  { image: '000000001503', label: 'laptop', box: [0, 98, 129, 139] }, // laptop bottom-left of the desk
  { image: '000000001503', label: 'tv', box: [124, 11, 114, 94] }, // the iMac screen
];

describe('detectObjects on COCO samples', () => {
  const results = new Map<string, ObjectDetections>();
  beforeAll(async () => {
    const ids = [...new Set(CASES.map((c) => c.image))];
    await Promise.all(ids.map(async (id) => results.set(id, await detect(id, await coco(id)))));
  }, 60_000);

  it.each(CASES)('finds the $label in $image where it is', ({ image, label, box }) => {
    const r = results.get(image)!;
    const labels = r.objects.map((o) => o.label);
    expect(labels.slice(0, 5)).toContain(label);
    const expected: Box = { x: box[0], y: box[1], width: box[2], height: box[3] };
    const best = Math.max(...r.objects.filter((o) => o.label === label).map((o) => iou(o.box, expected)));
    expect(best, `best IoU of a ${label} box with [${box.join(', ')}]`).toBeGreaterThan(0.7);
  });

  it('puts the main subject first', () => {
    const top = (id: string): string => results.get(id)!.objects[0]!.label;
    expect(['000000000285', '000000000724', '000000001584', '000000002006', '000000001818', '000000000776'].map(top)).toEqual(['bear', 'stop sign', 'bus', 'bus', 'zebra', 'teddy bear']);
  });

  it('reports both planes in 000000001761', () => {
    expect(results.get('000000001761')!.objects.filter((o) => o.label === 'airplane' && o.score > 0.5)).toHaveLength(2);
  });

  it('keeps boxes inside the image, scores above the threshold, best first', () => {
    for (const r of results.values()) {
      for (const o of r.objects) {
        expect(o.box.x).toBeGreaterThanOrEqual(0);
        expect(o.box.y).toBeGreaterThanOrEqual(0);
        expect(o.box.x + o.box.width).toBeLessThanOrEqual(r.width + 0.01);
        expect(o.box.y + o.box.height).toBeLessThanOrEqual(r.height + 0.01);
        expect(o.score).toBeGreaterThanOrEqual(0.3);
      }
      expect(r.objects.map((o) => o.score)).toEqual([...r.objects.map((o) => o.score)].sort((a, b) => b - a));
    }
  });

  it('keeps the decode timing and adds its own', () => {
    const r = results.get('000000002006')!;
    expect(r).toMatchObject({ id: '000000002006', source: null, width: 640, height: 480, model: 'yolox-nano' });
    expect(Object.keys(r.timings)).toEqual(['decodeMs', 'objectsMs']);
    expect(r.timings['objectsMs']).toBeGreaterThan(0);
  });
});

describe('detectObjects coordinates', () => {

  it('maps boxes back to the upright image for an EXIF-rotated JPEG (orientation 6)', async () => {
    const upright = await coco('000000002006'); // 640×480, a bus
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const [a, b] = await Promise.all([detect('upright', upright), detect('rotated', stored)]);
    expect([b.width, b.height]).toEqual([640, 480]);
    const busA = a.objects.find((o) => o.label === 'bus')!.box;
    const busB = b.objects.find((o) => o.label === 'bus')!.box;
    expect(iou(busA, busB)).toBeGreaterThan(0.9);
    expect(busB.width).toBeGreaterThan(busB.height); // a bus lying on its side would be taller than wide
  }, 30_000);

  it('reports boxes in original pixels when decodeImage downscales with maxSide', async () => {
    const image = await coco('000000001584'); // 612×612
    const [full, small] = await Promise.all([detect('full', image), detect('small', image, {}, { maxSide: 300 })]);
    expect([small.width, small.height]).toEqual([612, 612]);
    const busFull = full.objects.find((o) => o.label === 'bus')!.box;
    const busSmall = small.objects.find((o) => o.label === 'bus')!.box;
    expect(iou(busFull, busSmall)).toBeGreaterThan(0.85);
  }, 30_000);

  it('finds the same labels whether or not embedded ICC profiles are applied', async () => {
    // Images of the sample set that carry an ICC profile.
    const ids = ['000000000285', '000000000724', '000000000776', '000000000785', '000000001296', '000000001761', '000000001818', '000000002006'];
    for (const id of ids) {
      const image = await coco(id);
      const [fast, exact] = await Promise.all([detect(id, image, {}, { ignoreIcc: true }), detect(id, image, {}, { ignoreIcc: false })]);
      const strong = (r: ObjectDetections): string[] => [...new Set(r.objects.filter((o) => o.score >= 0.5).map((o) => o.label))].sort();
      expect({ id, labels: strong(fast) }).toEqual({ id, labels: strong(exact) });
      expect(fast.objects[0]!.label).toBe(exact.objects[0]!.label);
    }
  }, 60_000);

  it('gives fewer, stronger detections with a higher threshold', async () => {
    const image = await coco('000000001000'); // a group of children on a tennis court
    const [low, high] = await Promise.all([detect('low', image), detect('high', image, { scoreThreshold: 0.8 })]);
    expect(low.objects.filter((o) => o.label === 'person').length).toBeGreaterThanOrEqual(8);
    expect(high.objects.length).toBeLessThan(low.objects.length);
    expect(high.objects.every((o) => o.score >= 0.8)).toBe(true);
  }, 30_000);

  it('handles a stream of several records through one operator', async () => {
    const ids = ['000000000285', '000000000724', '000000001818'];
    const recs = await Promise.all(ids.map(async (id) => record({ key: id, value: { id, image: await coco(id) } })));
    const out = await firstValueFrom(from(recs).pipe(decodeImage(), detectObjects({ modelDir: MODELS }), toArray()));
    expect(Object.fromEntries(out.map((r) => [r.key, r.value.objects[0]!.label]))).toEqual({ '000000000285': 'bear', '000000000724': 'stop sign', '000000001818': 'zebra' });
  }, 30_000);
});

describe('detectObjects options', () => {
  it('is named for describe() and dead letters', () => {
    expect(operatorName(detectObjects(), 0)).toBe('detectObjects');
  });

  it('refuses bad options when the pipeline is built', () => {
    expect(() => detectObjects({ scoreThreshold: 1.5 })).toThrow(ConfigError);
    expect(() => detectObjects({ maxDetections: 0 })).toThrow(/maxDetections must be a positive integer/);
    expect(() => detectObjects({ model: 'ultraface-rfb-320' as 'yolox-nano' })).toThrow('detectObjects: model "ultraface-rfb-320" detects faces, not objects');
    expect(() => detectObjects({ model: 'yolov8' as 'yolox-nano' })).toThrow(/known models: yolox-nano/);
  });

  it('fails the record with a ConfigError naming the path when the model file is missing', async () => {
    const image = await coco('000000000285');
    const run = firstValueFrom(of(record({ key: 'k', value: { id: 'k', image } })).pipe(decodeImage(), detectObjects({ modelDir: '/nonexistent/models' })));
    await expect(run).rejects.toThrow(/\/nonexistent\/models\/yolox-nano\.onnx not found.*--models <dir> or VF_MODEL_DIR.*or the modelDir option/);
    await expect(run).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('detectObjects in a run', () => {

  it('reads models from its own run\'s folder: two runs in one process with different folders do not see each other\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vf-detect-runs-'));
    const images = join(dir, 'images');
    const noModels = join(dir, 'no-models');
    await Promise.all([mkdir(images), mkdir(noModels)]);
    await copyFile(join(SHARED, 'images', 'coco', '000000000285.jpg'), join(images, 'bear.jpg'));
    const finding = topology('finding').node('find', (n) =>
      n.source(directorySource({ dir: param('images') })).pipe(decodeImage(), detectObjects(), jsonLinesSink({ to: param('out'), format: (r) => `${r.key}: ${r.value.objects[0]?.label}` })),
    );
    const run = (params: Params, modelDir: string) => {
      const transport = new MemoryTransport();
      const runner = new TopologyRunner(finding, { transport, registry: new InMemorySchemaRegistry(), params, modelDir, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
      return { runner, transport };
    };
    const good = run({ images, out: join(dir, 'good.jsonl') }, MODELS);
    const bad = run({ images, out: join(dir, 'bad.jsonl') }, noModels);
    try {
      await Promise.all([good.runner.start(), bad.runner.start()]);
      const [ok, failed] = await Promise.allSettled([good.runner.runUntilDrained(), bad.runner.runUntilDrained()]);
      expect(ok.status).toBe('fulfilled');
      expect(failed.status).toBe('rejected');
      const error = (failed as PromiseRejectedResult).reason as Error;
      expect(error.message).toContain(`file ${join(noModels, 'yolox-nano.onnx')} not found (model directory ${noModels}, from the run's modelDir (the CLI's --models or VF_MODEL_DIR))`);
      expect(await readFile(join(dir, 'good.jsonl'), 'utf8')).toBe('"bear: bear"\n');
    } finally {
      await Promise.all([good.transport.close(), bad.transport.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
