import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../models/catalogue.js';
import type { FramePixels } from './frame.js';
import { prepareTensor } from './letterbox.js';
import { SimdResize } from './simd-resize.js';
import { SpaceToDepthLayout, type SpaceToDepthBlocks } from './tensor-layout.js';

const IMAGES = fileURLToPath(new URL('../../../../../shared/images/coco/', import.meta.url));
/** YOLOX's Focus: top-left, bottom-left, top-right, bottom-right. */
const FOCUS: SpaceToDepthBlocks = [{ row: 0, col: 0 }, { row: 1, col: 0 }, { row: 0, col: 1 }, { row: 1, col: 1 }];

/** What YOLOX's Focus layer makes of a [1, 3, H, W] tensor: the four 2 × 2 phases, concatenated on channels. */
function focus(chw: Float32Array, height: number, width: number, blocks: SpaceToDepthBlocks): Float32Array {
  const h = height / 2;
  const w = width / 2;
  const out = new Float32Array(chw.length);
  blocks.forEach(({ row, col }, g) => {
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((3 * g + c) * h + y) * w + x] = chw[(c * height + 2 * y + row) * width + 2 * x + col]!;
  });
  return out;
}

describe('SpaceToDepthLayout', () => {
  const frames: FramePixels[] = [];
  let simd: SimdResize;
  beforeAll(async () => {
    simd = SimdResize.load();
    for (const file of (await readdir(IMAGES)).sort().slice(0, 6)) {
      const { data, info } = await sharp(await readFile(join(IMAGES, file))).raw().toBuffer({ resolveWithObject: true });
      frames.push({ data, width: info.width, height: info.height, dataWidth: info.width, dataHeight: info.height });
    }
  });

  it('gives, from the SIMD resize and from the JS loop, exactly the Focus layer of the CHW letterbox', () => {
    const input = catalogue['yolox-nano'].input;
    const [, , height, width] = input.shape;
    for (const frame of frames) {
      const chw = prepareTensor(frame, input, undefined, simd);
      const expected = focus(chw.data, height, width, FOCUS);
      const viaSimd = prepareTensor(frame, input, new Float32Array(chw.data.length).fill(Number.NaN), simd, FOCUS);
      const viaJs = prepareTensor(frame, input, new Float32Array(chw.data.length).fill(Number.NaN), undefined, FOCUS);
      expect(viaSimd.dims).toEqual([1, 12, height / 2, width / 2]);
      expect(viaSimd.contentWidth).toBe(chw.contentWidth);
      expect(Buffer.from(viaSimd.data.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(Buffer.from(viaJs.data.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
  });

  it('follows the blocks’ order, whatever it is', () => {
    const input = catalogue['yolox-nano'].input;
    const [, , height, width] = input.shape;
    const other: SpaceToDepthBlocks = [FOCUS[3]!, FOCUS[2]!, FOCUS[0]!, FOCUS[1]!];
    const chw = prepareTensor(frames[0]!, input, undefined, simd);
    expect(Buffer.from(prepareTensor(frames[0]!, input, undefined, simd, other).data.buffer).equals(Buffer.from(focus(chw.data, height, width, other).buffer))).toBe(true);
  });

  it('refuses sizes and blocks it cannot lay out', () => {
    expect(() => new SpaceToDepthLayout([0, 1, 2], 415, 416, FOCUS)).toThrow(/415×416/);
    expect(() => new SpaceToDepthLayout([0, 1, 2], 416, 416, [FOCUS[0]!, FOCUS[0]!, FOCUS[1]!, FOCUS[2]!])).toThrow(/phase \(1, 1\)/);
  });
});
