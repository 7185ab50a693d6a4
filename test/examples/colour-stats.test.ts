// The custom operator of examples/custom-operator on real pictures from ../shared/images: what it
// says about each picture is what one sees in it, and its numbers agree with a plain per-pixel
// computation over the same decoded frame.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, record, type Rec } from '@vision-flow/core';
import { decodeImage, type DecodedImage, type FramePixels } from '@vision-flow/operators';
import { colourStats, type ColourStats, type Exposure } from '../../examples/custom-operator/colour-stats.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';

interface Case {
  readonly image: string;
  /** What the picture shows (checked by looking at it). */
  readonly seen: string;
  readonly exposure: Exposure;
  readonly grayscale: boolean;
  /** Bounds on Hasler & Süsstrunk's M: under 15 "not colourful", over 59 "highly colourful". */
  readonly colourfulness: readonly [number, number];
  /** The strongest channel of the mean colour, where one clearly is. */
  readonly strongest?: 'red' | 'blue';
}

const CASES: Case[] = [
  { image: 'coco/000000001425', seen: 'a black-and-white photo of a bun on a plate', exposure: 'normal', grayscale: true, colourfulness: [0, 0] },
  { image: 'coco/000000001490', seen: 'a black-and-white photo of a paddle boarder at sea', exposure: 'normal', grayscale: true, colourfulness: [0, 0] },
  { image: 'coco/000000002299', seen: 'an old black-and-white school class photo', exposure: 'normal', grayscale: true, colourfulness: [0, 0] },
  { image: 'coco/000000001818', seen: 'zebras, which look black and white but are slightly toned', exposure: 'normal', grayscale: false, colourfulness: [0.5, 15] },
  { image: 'coco/000000001353', seen: 'children on a ride in a dim, orange-lit hall', exposure: 'dark', grayscale: false, colourfulness: [59, 200], strongest: 'red' },
  { image: 'coco/000000000785', seen: 'a skier on white snow', exposure: 'bright', grayscale: false, colourfulness: [15, 45] },
  { image: 'coco/000000001761', seen: 'two planes in a white sky over a harbour bridge', exposure: 'bright', grayscale: false, colourfulness: [0.5, 33] },
  { image: 'coco/000000002473', seen: 'a skier jumping against a deep blue sky', exposure: 'normal', grayscale: false, colourfulness: [59, 200], strongest: 'blue' },
  { image: 'coco/000000001584', seen: 'a red double-decker bus', exposure: 'normal', grayscale: false, colourfulness: [59, 200], strongest: 'red' },
];

/** The decoded frame and the operator's answer for each case's picture. */
const measured = new Map<string, { decoded: DecodedImage; stats: ColourStats }>();

beforeAll(async () => {
  const images = await Promise.all(CASES.map(async (c) => record({ key: c.image, value: { id: c.image, image: await readFile(join(SHARED_IMAGES, `${c.image}.jpg`)), source: null } })));
  const decoded = await lastValueFrom(from(images).pipe(decodeImage(), toArray()));
  const stats = await lastValueFrom(from(decoded).pipe(colourStats(), toArray()));
  for (const d of decoded) measured.set(d.key, { decoded: d.value, stats: stats.find((s) => s.key === d.key)!.value });
});

describe('colourStats() on real pictures', () => {
  it.each(CASES)('calls $image ($seen) $exposure, grayscale=$grayscale', ({ image, exposure, grayscale }) => {
    expect(measured.get(image)!.stats).toMatchObject({ id: image, exposure, grayscale });
  });

  it.each(CASES)('finds $image ($seen) colourful within $colourfulness', ({ image, colourfulness: [min, max] }) => {
    const m = measured.get(image)!.stats.colourfulness;
    expect(m).toBeGreaterThanOrEqual(min);
    expect(m).toBeLessThanOrEqual(max);
  });

  it.each(CASES.filter((c) => c.strongest))('gives $image ($seen) a mean colour that is mostly $strongest', ({ image, strongest }) => {
    const [r, g, b] = channels(measured.get(image)!.stats.meanColour);
    if (strongest === 'red') expect(r).toBeGreaterThan(Math.max(g, b) + 20);
    else expect(b).toBeGreaterThan(Math.max(r, g) + 20);
  });

  it.each(CASES)('agrees with a per-pixel computation in plain JS on $image', async ({ image }) => {
    const { decoded, stats } = measured.get(image)!;
    const ref = reference(await decoded.frame.pixels());
    expect(Math.abs(stats.brightness - ref.brightness), `brightness ${stats.brightness} vs ${ref.brightness}`).toBeLessThanOrEqual(0.1);
    expect(Math.abs(stats.colourfulness - ref.colourfulness), `colourfulness ${stats.colourfulness} vs ${ref.colourfulness}`).toBeLessThanOrEqual(0.1);
    expect(stats.grayscale).toBe(ref.maxGreyDistance <= 2);
    const [r, g, b] = channels(stats.meanColour);
    expect(Math.max(Math.abs(r - ref.mean[0]!), Math.abs(g - ref.mean[1]!), Math.abs(b - ref.mean[2]!))).toBeLessThanOrEqual(0.5);
  });

  it('keeps the key, the original size and the decode timing, and adds its own', () => {
    const { decoded, stats } = measured.get('coco/000000001584')!;
    expect(stats).toMatchObject({ width: 612, height: 612, source: null, timings: { decodeMs: decoded.timings['decodeMs'] } });
    expect(stats.timings['coloursMs']).toBeGreaterThan(0);
  });
});

describe('colourStats() options', () => {
  interface OptionCase {
    readonly opts: Parameters<typeof colourStats>[0];
    readonly message: string;
  }
  it.each<OptionCase>([
    { opts: { darkBelow: 180, brightAbove: 120 }, message: 'colourStats: darkBelow (180) must be below brightAbove (120)' },
    { opts: { brightAbove: 300 }, message: 'colourStats: brightAbove must be a level from 0 to 255, got 300' },
    { opts: { greyTolerance: -1 }, message: 'colourStats: greyTolerance must be a level from 0 to 255, got -1' },
    { opts: { concurrency: 0 }, message: 'colourStats: concurrency must be a positive integer, got 0' },
  ])('refuses $opts with ConfigError when the pipeline is built', ({ opts, message }) => {
    expect(() => colourStats(opts)).toThrow(ConfigError);
    expect(() => colourStats(opts)).toThrow(message);
  });

  it('moves the exposure bounds: a picture at 117.6 is bright above 100', async () => {
    const rec = record({ key: 'sky', value: measured.get('coco/000000002473')!.decoded }) as Rec<string, DecodedImage>;
    const [out] = await lastValueFrom(from([rec]).pipe(colourStats({ darkBelow: 50, brightAbove: 100 }), toArray()));
    expect(out!.value).toMatchObject({ brightness: 117.6, exposure: 'bright' });
  });
});

function channels(hex: string): [number, number, number] {
  expect(hex).toMatch(/^#[0-9a-f]{6}$/);
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Brightness, colourfulness and the largest distance from grey, pixel by pixel. */
function reference(pixels: FramePixels): { brightness: number; colourfulness: number; maxGreyDistance: number; mean: number[] } {
  const d = pixels.data;
  const n = d.length / 3;
  let r = 0, g = 0, b = 0, rg = 0, yb = 0, rg2 = 0, yb2 = 0, far = 0;
  for (let i = 0; i < d.length; i += 3) {
    const [R, G, B] = [d[i]!, d[i + 1]!, d[i + 2]!];
    const o1 = R - G;
    const o2 = (R + G) / 2 - B;
    r += R; g += G; b += B;
    rg += o1; yb += o2; rg2 += o1 * o1; yb2 += o2 * o2;
    far = Math.max(far, Math.abs(o1), Math.abs(o2));
  }
  const [mr, mg, mb, mrg, myb] = [r / n, g / n, b / n, rg / n, yb / n];
  const sd = Math.hypot(Math.sqrt(rg2 / n - mrg * mrg), Math.sqrt(yb2 / n - myb * myb));
  return { brightness: 0.2126 * mr + 0.7152 * mg + 0.0722 * mb, colourfulness: sd + 0.3 * Math.hypot(mrg, myb), maxGreyDistance: far, mean: [mr, mg, mb] };
}
