import type { Candidate } from './nms.js';

export interface YoloxDecodeOptions {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly strides: readonly number[];
  readonly classes: number;
  readonly scoreThreshold: number;
}

/**
 * Decodes a raw YOLOX output ([rows, 5 + classes], rows = grid cells of each stride in order) into
 * candidates in model-input pixels: centre = (offset + cell) × stride, size = exp(log-size) × stride,
 * score = objectness × best class score. Suppression is left to `nms`.
 */
export function yoloxDecode(output: Float32Array, opts: YoloxDecodeOptions): Candidate[] {
  const width = 5 + opts.classes;
  const rows = opts.strides.reduce((n, s) => n + Math.floor(opts.inputWidth / s) * Math.floor(opts.inputHeight / s), 0);
  if (output.length !== rows * width) {
    throw new Error(`YOLOX output has ${output.length} values, expected ${rows} rows × ${width} for a ${opts.inputWidth}×${opts.inputHeight} input and strides ${opts.strides.join('/')}`);
  }
  const out: Candidate[] = [];
  let row = 0;
  for (const stride of opts.strides) {
    const cols = Math.floor(opts.inputWidth / stride);
    const lines = Math.floor(opts.inputHeight / stride);
    for (let gy = 0; gy < lines; gy++) {
      for (let gx = 0; gx < cols; gx++, row++) {
        const b = row * width;
        const objectness = output[b + 4]!;
        if (objectness < opts.scoreThreshold) continue; // class scores are ≤ 1, so the product cannot pass
        let classId = 0;
        let best = -Infinity;
        for (let c = 0; c < opts.classes; c++) {
          const s = output[b + 5 + c]!;
          if (s > best) [best, classId] = [s, c];
        }
        const score = objectness * best;
        if (score < opts.scoreThreshold) continue;
        const cx = (output[b]! + gx) * stride;
        const cy = (output[b + 1]! + gy) * stride;
        const w = Math.exp(output[b + 2]!) * stride;
        const h = Math.exp(output[b + 3]!) * stride;
        out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classId });
      }
    }
  }
  return out;
}
