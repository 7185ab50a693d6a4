import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, operatorName, record } from '@vision-flow/core';
import type { Box } from './box.js';
import { decodeImage } from './decode-image.js';
import { detectFaces, type DetectFacesOptions, type FaceDetections } from './detect-faces.js';
import { InferencePool } from './inference-pool.js';

const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
const MODELS = join(SHARED, 'models');
/** The tests' own pool, as a run has one (a plain-RxJS subscription without one starts and closes its own). */
const pool = new InferencePool();
afterAll(() => pool.close());

async function faces(name: string, opts: DetectFacesOptions = {}): Promise<FaceDetections> {
  const image = await readFile(join(SHARED, 'images', 'faces', `${name}.jpg`));
  const out = await firstValueFrom(of(record({ key: name, value: { id: name, image } })).pipe(decodeImage(), detectFaces({ modelDir: MODELS, pool, ...opts })));
  return out.value;
}

const iou = (a: Box, b: Box): number => {
  const iw = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (iw * ih) / (a.width * a.height + b.width * b.height - iw * ih);
};

interface Case {
  readonly image: string;
  /** Faces I counted by looking at the picture. */
  readonly counted: number;
  /** Allowed difference: ±1 for small groups, ±2 for groups of a dozen or more (half-hidden faces at the back). */
  readonly tolerance: number;
}

const CASES: Case[] = [
  { image: '2', counted: 4, tolerance: 1 }, // four nurses and doctors
  { image: '3', counted: 5, tolerance: 1 }, // five girl scouts
  { image: '5', counted: 1, tolerance: 0 }, // one woman at a desk
  { image: '9', counted: 8, tolerance: 1 }, // eight children
  { image: '12', counted: 5, tolerance: 1 }, // five women at night
  { image: '6', counted: 14, tolerance: 2 }, // a department group photo
  { image: '10', counted: 19, tolerance: 2 }, // a lab group: 7 standing, 7 sitting, 5 on the floor
];

describe('detectFaces on the face samples (ultraface-rfb-320)', () => {
  const results = new Map<string, FaceDetections>();
  beforeAll(async () => {
    await Promise.all(CASES.map(async (c) => results.set(c.image, await faces(c.image))));
  }, 60_000);

  it.each(CASES)('finds $counted ± $tolerance faces in $image.jpg', ({ image, counted, tolerance }) => {
    const found = results.get(image)!.faces.length;
    expect(Math.abs(found - counted), `found ${found} faces, counted ${counted}`).toBeLessThanOrEqual(tolerance);
  });

  it('puts the box on the face of the woman in 5.jpg', () => {
    const [face] = results.get('5')!.faces;
    // Checked by eye on an annotated render: forehead to chin, glasses inside.
    expect(iou(face!.box, { x: 492, y: 115, width: 181, height: 238 })).toBeGreaterThan(0.7);
  });

  it('finds each of the four faces in 2.jpg, left to right', () => {
    const boxes = [...results.get('2')!.faces].sort((a, b) => a.box.x - b.box.x).map((f) => f.box);
    const seen: Box[] = [
      { x: 131, y: 109, width: 93, height: 137 },
      { x: 308, y: 89, width: 95, height: 145 },
      { x: 551, y: 79, width: 97, height: 143 },
      { x: 719, y: 118, width: 106, height: 153 },
    ];
    expect(boxes).toHaveLength(4);
    boxes.forEach((b, i) => expect(iou(b, seen[i]!)).toBeGreaterThan(0.7));
  });

  it('reports size, model and timings', () => {
    const r = results.get('9')!;
    expect(r).toMatchObject({ id: '9', source: null, width: 1024, height: 768, model: 'ultraface-rfb-320' });
    expect(Object.keys(r.timings)).toEqual(['decodeMs', 'facesMs']);
    expect(r.faces.every((f) => f.score >= 0.7)).toBe(true);
  });
});

describe('detectFaces models', () => {

  it('finds more small faces in a crowd with ultraface-rfb-640', async () => {
    const [small, large] = await Promise.all([faces('8'), faces('8', { model: 'ultraface-rfb-640' })]); // a school photo of ~70 people
    expect(large.model).toBe('ultraface-rfb-640');
    expect(small.faces.length).toBeGreaterThanOrEqual(35);
    expect(large.faces.length).toBeGreaterThan(small.faces.length + 5);
  }, 30_000);

  it('runs ultraface-slim-320 with the same count on a clear group', async () => {
    const r = await faces('9', { model: 'ultraface-slim-320' });
    expect([r.model, r.faces.length]).toEqual(['ultraface-slim-320', 8]);
  }, 30_000);
});

describe('detectFaces options', () => {
  it('is named for describe() and dead letters', () => {
    expect(operatorName(detectFaces(), 0)).toBe('detectFaces');
  });

  it('refuses bad options when the pipeline is built', () => {
    expect(() => detectFaces({ iouThreshold: -0.1 })).toThrow(ConfigError);
    expect(() => detectFaces({ concurrency: 0 })).toThrow(/concurrency must be a positive integer/);
    expect(() => detectFaces({ model: 'yolox-nano' as 'ultraface-rfb-320' })).toThrow('detectFaces: model "yolox-nano" detects objects, not faces');
  });
});
