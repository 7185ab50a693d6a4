import type { InputContract } from '../models/catalogue.js';
import { FRAME_CHANNELS } from './frame.js';
import type { SimdResize, Taps } from './simd-resize.js';
import { SourceRowPair } from './source-row-pair.js';
import { ChwLayout, type TensorLayout } from './tensor-layout.js';

/** OpenCV's fixed-point resize: weights in 1/2048ths, rows combined with 22 bits of rounding. */
const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;
const ROUND = 1 << (2 * COEF_BITS - 1);
const SHIFT = 2 * COEF_BITS;
/** OpenCV's vector row loop covers a whole row of 16 values or more (the last vector overlaps the one before). */
const vectorEnd = (n: number): number => (n >= 16 ? n : 0);

/** Source offset and fixed-point weights of each destination column or row (OpenCV INTER_LINEAR). */
function taps(src: number, dst: number): Taps {
  // As OpenCV computes them: the scale as 1 / (dst / src) in double, the offsets in float.
  const scale = 1 / (dst / src);
  const index = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) [s, f] = [0, 0];
    if (s >= src - 1) [s, f] = [src - 1, 0];
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(Math.fround(1 - f) * COEF_SCALE));
    w1[d] = roundHalfEven(Math.fround(f * COEF_SCALE));
  }
  return { index, w0, w1 };
}

/** One source row resampled horizontally: weights × pixel, still scaled by 2048 (a top-level function: no closure loads in the loop). */
function resampleRow(src: Uint8Array, base: number, width: number, colIndex: Int32Array, colW0: Int32Array, colW1: Int32Array, into: Int32Array): void {
  for (let x = 0, o = 0; x < width; x++, o += 3) {
    const s = base + colIndex[x]!;
    const a0 = colW0[x]!;
    const a1 = colW1[x]!;
    if (a1 === 0) {
      // the last column has no right neighbour
      into[o] = src[s]! * a0;
      into[o + 1] = src[s + 1]! * a0;
      into[o + 2] = src[s + 2]! * a0;
    } else {
      into[o] = src[s]! * a0 + src[s + 3]! * a1;
      into[o + 1] = src[s + 1]! * a0 + src[s + 4]! * a1;
      into[o + 2] = src[s + 2]! * a0 + src[s + 5]! * a1;
    }
  }
}

const clamp8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);

/** cvRound: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const n = Math.round(v);
  return n - v === 0.5 && n % 2 !== 0 ? n - 1 : n;
}

/**
 * Resamples 8-bit RGB pixels (HWC) to `width × height` the way OpenCV's `resize(INTER_LINEAR)`
 * does (pixel centres aligned, 11-bit fixed-point weights, an exact 2× shrink averaging 2×2
 * pixels), and writes them straight into a CHW float tensor of the input's size: the contract's
 * channel order, (v − mean) / std, the image at the top-left and `padValue` elsewhere. One pass,
 * no intermediate image: the preparation a hand-written OpenCV + numpy loop does, in one loop.
 * With `simd` the loops run in WebAssembly (same results, bit for bit); rows of fewer than 16
 * values (images under 6 pixels wide) always take the JS loop, whose scalar tail they need.
 * `layout` places the values (CHW planes by default; see tensor-layout.ts).
 */
export function resizeBilinearChw(
  frame: { readonly data: Uint8Array; readonly dataWidth: number; readonly dataHeight: number },
  width: number,
  height: number,
  input: InputContract,
  reuse?: Float32Array,
  simd?: SimdResize,
  layout?: TensorLayout,
): Float32Array {
  const [, , tensorHeight, tensorWidth] = input.shape;
  if (width > tensorWidth || height > tensorHeight) throw new Error(`image ${width}×${height} does not fit the ${tensorWidth}×${tensorHeight} input`);
  const { data: src, dataWidth: sw, dataHeight: sh } = frame;
  if (src.length !== sw * sh * FRAME_CHANNELS) throw new Error(`expected ${sw * sh * FRAME_CHANNELS} RGB bytes for ${sw}×${sh}, got ${src.length}`);
  const plane = tensorWidth * tensorHeight;
  const out = reuse && reuse.length === 3 * plane ? reuse : new Float32Array(3 * plane);
  // One lookup per value instead of arithmetic: (v − mean) / std for every possible v.
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v - input.mean) / input.std;
  const pad = (input.padValue - input.mean) / input.std;
  const place = layout ?? new ChwLayout(input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0], tensorWidth, tensorHeight);
  const cols = taps(sw, width);
  const rows = taps(sh, height);
  const rowLen = width * FRAME_CHANNELS;
  if (simd && vectorEnd(rowLen) === rowLen && simd.resize({ src, srcWidth: sw, srcHeight: sh, cols, rows, lutBits: new Int32Array(lut.buffer), out, layout: place, pad })) return out;
  place.fillPadding(out, width, height, pad);

  const vecEnd = vectorEnd(rowLen);
  const vecPixels = Math.floor(vecEnd / FRAME_CHANNELS);
  const colIndex = cols.index;
  const colW0 = cols.w0;
  const colW1 = cols.w1;
  for (let x = 0; x < width; x++) colIndex[x] = colIndex[x]! * FRAME_CHANNELS;
  const rowStride = sw * FRAME_CHANNELS;
  // Horizontally resampled source rows (weights × pixel, still scaled by 2048), the last two kept.
  const pair = new SourceRowPair(new Int32Array(rowLen), new Int32Array(rowLen), (sy, into) => resampleRow(src, sy * rowStride, width, colIndex, colW0, colW1, into));
  for (let y = 0; y < height; y++) {
    const sy0 = rows.index[y]!;
    pair.load(sy0, Math.min(sy0 + 1, sh - 1));
    const rowA = pair.a;
    const rowB = pair.b;
    const b0 = rows.w0[y]!;
    const b1 = rows.w1[y]!;
    // OpenCV's vector path rounds in steps ((S >> 4) × b >> 16, then + 2 >> 2), its scalar tail at once.
    const { even, odd, step } = place.rowTargets(y);
    let x = 0;
    // Within 0–255 by construction (the weights sum to 2048 ± 1).
    for (let o = 0; x < vecPixels; x++, o += 3) {
      const [oR, oG, oB] = x & 1 ? odd : even;
      const k = (x >> 1) * step;
      out[oR + k] = lut[((((rowA[o]! >> 4) * b0) >> 16) + (((rowB[o]! >> 4) * b1) >> 16) + 2) >> 2]!;
      out[oG + k] = lut[((((rowA[o + 1]! >> 4) * b0) >> 16) + (((rowB[o + 1]! >> 4) * b1) >> 16) + 2) >> 2]!;
      out[oB + k] = lut[((((rowA[o + 2]! >> 4) * b0) >> 16) + (((rowB[o + 2]! >> 4) * b1) >> 16) + 2) >> 2]!;
    }
    for (let o = 3 * x; o < rowLen; o++) {
      const v = o < vecEnd ? (((rowA[o]! >> 4) * b0) >> 16) + (((rowB[o]! >> 4) * b1) >> 16) + 2 >> 2 : (b0 * rowA[o]! + b1 * rowB[o]! + ROUND) >> SHIFT;
      const px = (o / 3) | 0;
      out[(px & 1 ? odd : even)[o % 3]! + (px >> 1) * step] = lut[clamp8(v)]!;
    }
  }
  return out;
}
