import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogue, type InputContract } from '../models/catalogue.js';
import type { FramePixels } from './frame.js';
import { resizeBilinearChw } from './resize-bilinear-chw.js';
import { SimdResize } from './simd-resize.js';

const IMAGES = fileURLToPath(new URL('../../../../../shared/images/', import.meta.url));

/** Both paths into buffers pre-filled differently, so a value the SIMD path failed to write shows. */
function bothPaths(frame: FramePixels, width: number, height: number, input: InputContract, simd: SimdResize): [Float32Array, Float32Array] {
  const n = 3 * input.shape[2] * input.shape[3];
  const js = resizeBilinearChw(frame, width, height, input, new Float32Array(n));
  const wasm = resizeBilinearChw(frame, width, height, input, new Float32Array(n).fill(Number.NaN), simd);
  return [js, wasm];
}

describe('SimdResize', () => {
  let simd: SimdResize;
  const frames: Array<FramePixels & { readonly name: string }> = [];
  beforeAll(async () => {
    simd = SimdResize.load();
    for (const folder of ['coco', 'faces']) {
      for (const file of (await readdir(join(IMAGES, folder))).sort()) {
        const { data, info } = await sharp(await readFile(join(IMAGES, folder, file))).raw().toBuffer({ resolveWithObject: true });
        frames.push({ name: `${folder}/${file}`, data, width: info.width, height: info.height, dataWidth: info.width, dataHeight: info.height });
      }
    }
  });

  it('gives the JS loop\'s tensors bit for bit on every sample image, for both models, at model and odd sizes', () => {
    let compared = 0;
    for (const name of ['yolox-nano', 'ultraface-rfb-320'] as const) {
      const input = catalogue[name].input;
      const [, , th, tw] = input.shape;
      for (const f of frames) {
        const r = Math.min(th / f.dataHeight, tw / f.dataWidth);
        // The model's own size, an enlargement to the full input, narrow and tiny ones (rows of 18 and 21 values).
        const sizes = [[Math.trunc(f.dataWidth * r), Math.trunc(f.dataHeight * r)], [tw, th], [100, th - 1], [7, 5], [6, 9]] as const;
        for (const [w, h] of sizes) {
          const [js, wasm] = bothPaths(f, w, h, input, simd);
          expect(Buffer.compare(Buffer.from(js.buffer), Buffer.from(wasm.buffer)), `${name} ${f.name} → ${w}×${h}`).toBe(0);
          compared++;
        }
      }
    }
    expect(compared).toBe(2 * frames.length * 5);
    expect(frames.length).toBeGreaterThanOrEqual(40);
  });

  it('takes frames of any size one after the other (its memory grows), and images too narrow for it go to the JS loop', () => {
    const input = catalogue['yolox-nano'].input;
    const big = { data: new Uint8Array(1920 * 1080 * 3).map((_, i) => (i * 7) % 251), width: 1920, height: 1080, dataWidth: 1920, dataHeight: 1080 };
    const small = { data: new Uint8Array(5 * 4 * 3).map((_, i) => (i * 13) % 256), width: 5, height: 4, dataWidth: 5, dataHeight: 4 };
    for (const [f, w, h] of [[small, 5, 4], [big, 416, 234], [small, 5, 4], [big, 300, 200]] as const) {
      const [js, wasm] = bothPaths(f, w, h, input, simd);
      expect(Buffer.compare(Buffer.from(js.buffer), Buffer.from(wasm.buffer))).toBe(0);
    }
  });

  it('writes a tensor it lent in place, the JS loop\'s values; lends two at once; takes each back', () => {
    const input = catalogue['yolox-nano'].input;
    const n = 3 * input.shape[2] * input.shape[3];
    const own = SimdResize.load();
    const [a, b] = [own.lendTensor(n)!, own.lendTensor(n)!];
    expect(a.byteOffset).not.toBe(b.byteOffset);
    const f = frames[0]!;
    const [w, h] = [416, Math.trunc((f.dataHeight * 416) / f.dataWidth)];
    a.fill(Number.NaN);
    const written = resizeBilinearChw(f, w, h, input, a, own);
    expect(written).toBe(a); // no copy: the lent tensor is the result
    const js = resizeBilinearChw(f, w, h, input, new Float32Array(n));
    expect(Buffer.compare(Buffer.from(js.buffer), Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(0);
    own.returnTensor(a);
    expect(own.lent(a)).toBe(false);
    expect(own.lent(b)).toBe(true);
    expect(own.lendTensor(n)!.byteOffset).toBe(a.byteOffset); // the free one again
  });

  it('does not grow its memory under a lent tensor: a frame too big for it then goes to the JS loop, same values', () => {
    const input = catalogue['yolox-nano'].input;
    const n = 3 * input.shape[2] * input.shape[3];
    const own = SimdResize.load();
    const lent = own.lendTensor(n)!;
    const huge = { data: new Uint8Array(3000 * 2000 * 3).map((_, i) => (i * 7) % 251), width: 3000, height: 2000, dataWidth: 3000, dataHeight: 2000 };
    const before = lent.length;
    const out = resizeBilinearChw(huge, 416, 277, input, lent, own);
    expect(lent.length).toBe(before); // not detached: the memory did not grow
    expect(out).toBe(lent);
    const js = resizeBilinearChw(huge, 416, 277, input, new Float32Array(n));
    expect(Buffer.compare(Buffer.from(js.buffer), Buffer.from(lent.buffer, lent.byteOffset, lent.byteLength))).toBe(0);
  });
});
