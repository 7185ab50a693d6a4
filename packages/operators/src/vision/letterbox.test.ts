import { describe, expect, it } from 'vitest';
import { catalogue, type InputContract } from '../models/catalogue.js';
import { letterbox, stretch, toChw } from './letterbox.js';

const YOLOX = catalogue['yolox-nano'].input;
const FACE = catalogue['ultraface-rfb-320'].input;
const tiny = (over: Partial<InputContract>): InputContract => ({ ...YOLOX, shape: [1, 3, 2, 3], ...over });

/** A frame of one solid colour. */
function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width, height, dataWidth: width, dataHeight: height, data };
}

describe('toChw', () => {
  it('writes BGR planes for YOLOX and pads the rest with the pad value', () => {
    const rgb = new Uint8Array([10, 20, 30, 40, 50, 60]); // 2×1 pixels
    const out = toChw(rgb, 2, 1, tiny({ channelOrder: 'BGR', mean: 0, std: 1, padValue: 114 }));
    // Planes of 3×2: B, G, R. Row 0 holds the two pixels then padding; row 1 is padding.
    expect(Array.from(out)).toEqual([30, 60, 114, 114, 114, 114, 20, 50, 114, 114, 114, 114, 10, 40, 114, 114, 114, 114]);
  });

  it('writes RGB planes normalised with (v − 127) / 128 for UltraFace', () => {
    const out = toChw(new Uint8Array([255, 127, 0]), 1, 1, tiny({ shape: [1, 3, 1, 1], channelOrder: 'RGB', mean: 127, std: 128 }));
    expect(Array.from(out)).toEqual([1, 0, -127 / 128]);
  });

  it('refuses an image larger than the input', () => {
    expect(() => toChw(new Uint8Array(4 * 3), 4, 1, tiny({}))).toThrow(/does not fit/);
  });
});

describe('letterbox', () => {
  it('keeps the aspect ratio: a 640×320 frame fills the top 416×208 of the 416×416 input', async () => {
    const t = await letterbox(solid(640, 320, [200, 100, 50]), YOLOX);
    expect(t.dims).toEqual([1, 3, 416, 416]);
    expect([t.contentWidth, t.contentHeight]).toEqual([416, 208]);
    const plane = 416 * 416;
    const at = (c: number, x: number, y: number): number => t.data[c * plane + y * 416 + x]!;
    expect([at(0, 10, 10), at(1, 10, 10), at(2, 10, 10)]).toEqual([50, 100, 200]); // BGR
    expect([at(0, 10, 300), at(2, 415, 415)]).toEqual([114, 114]); // padding below the image
  });

  it('scales small frames up', async () => {
    const t = await letterbox(solid(100, 200, [1, 2, 3]), YOLOX);
    expect([t.contentWidth, t.contentHeight]).toEqual([208, 416]);
  });
});

describe('stretch', () => {
  it('fills the whole input whatever the aspect ratio', async () => {
    const t = await stretch(solid(1000, 1000, [255, 127, 0]), FACE);
    expect(t.dims).toEqual([1, 3, 240, 320]);
    expect([t.contentWidth, t.contentHeight]).toEqual([320, 240]);
    const plane = 320 * 240;
    expect(t.data[plane - 1]).toBeCloseTo(1, 5); // R of the last pixel: (255 − 127) / 128
    expect(t.data[2 * plane - 1]).toBeCloseTo(0, 5);
  });
});

describe('resampling as OpenCV INTER_LINEAR does it', () => {
  const raw = (over: Partial<InputContract>): InputContract => ({ ...FACE, channelOrder: 'RGB', mean: 0, std: 1, ...over });

  it('averages 2×2 blocks with rounding for an exact 2× shrink ((a + b + c + d + 2) >> 2)', () => {
    // 32×2 pixels (a row of ≥ 16 values, OpenCV's vector path): left pixel of each pair 10, right 13; rows equal.
    const data = new Uint8Array(32 * 2 * 3);
    for (let i = 0; i < 32 * 2; i++) data.fill(i % 2 === 0 ? 10 : 13, 3 * i, 3 * i + 3);
    const out = stretch({ width: 32, height: 2, dataWidth: 32, dataHeight: 2, data }, raw({ shape: [1, 3, 1, 16] }));
    expect(Array.from(out.data.subarray(0, 16))).toEqual(new Array(16).fill((10 + 13 + 10 + 13 + 2) >> 2));
  });

  it('aligns pixel centres: a 3× enlargement of a 2-pixel ramp interpolates between them and clamps at the edges', () => {
    const data = new Uint8Array([0, 0, 0, 90, 90, 90]);
    const out = stretch({ width: 2, height: 1, dataWidth: 2, dataHeight: 1, data }, raw({ shape: [1, 3, 1, 6] }));
    // Centres of the 6 outputs in source pixels: -1/3, 0, 1/3, 2/3, 1, 4/3 → clamped ends, linear between.
    expect(Array.from(out.data.subarray(0, 6))).toEqual([0, 0, 30, 60, 90, 90]);
  });

  it('maps letterboxed boxes back by the ratio itself (content size truncated as int(w × r))', () => {
    const t = letterbox(solid(640, 427, [1, 2, 3]), YOLOX);
    expect([t.contentWidth, t.contentHeight]).toEqual([416, 277]);
    expect(t.scaleX).toBeCloseTo(640 / 416, 12);
    expect(t.scaleY).toBeCloseTo(640 / 416, 12);
  });
});
