import { describe, expect, it } from 'vitest';
import { yoloxDecode, type YoloxDecodeOptions } from './yolox-decode.js';

// A small synthetic head: 32×32 input, strides 8 and 16 → 4×4 + 2×2 = 20 rows of (x, y, w, h, obj, 3 classes).
const OPTS: YoloxDecodeOptions = { inputWidth: 32, inputHeight: 32, strides: [8, 16], classes: 3, scoreThreshold: 0.3 };
const ROW = 8;

function head(): Float32Array {
  return new Float32Array(20 * ROW); // objectness 0 everywhere: no detections
}

function setRow(t: Float32Array, row: number, v: number[]): void {
  t.set(v, row * ROW);
}

describe('yoloxDecode', () => {
  it('finds nothing when objectness is low everywhere', () => {
    expect(yoloxDecode(head(), OPTS)).toEqual([]);
  });

  it('decodes a stride-8 cell: centre = (offset + cell) × stride, size = exp(log size) × stride', () => {
    const t = head();
    // Row 6 of the 4×4 stride-8 grid is gx = 2, gy = 1.
    setRow(t, 6, [0.5, 0.25, Math.log(2), 0, 0.9, 0.1, 0.8, 0.2]);
    const [d, ...rest] = yoloxDecode(t, OPTS);
    expect(rest).toEqual([]);
    // cx = (0.5 + 2) × 8 = 20, cy = (0.25 + 1) × 8 = 10, w = 2 × 8 = 16, h = 1 × 8 = 8.
    expect(d!.x1).toBeCloseTo(12, 5);
    expect(d!.x2).toBeCloseTo(28, 5);
    expect(d!.y1).toBeCloseTo(6, 5);
    expect(d!.y2).toBeCloseTo(14, 5);
    expect(d!.classId).toBe(1);
    expect(d!.score).toBeCloseTo(0.9 * 0.8, 6);
  });

  it('uses the next stride for rows after the first grid', () => {
    const t = head();
    // Row 16 + 3 is the last cell of the 2×2 stride-16 grid: gx = 1, gy = 1.
    setRow(t, 19, [0, 0, 0, 0, 1, 0, 0, 0.95]);
    const [d] = yoloxDecode(t, OPTS);
    expect(d).toMatchObject({ classId: 2 });
    expect(d!.x1).toBeCloseTo(16 - 8, 5); // cx = 16, w = 16
    expect(d!.y2).toBeCloseTo(16 + 8, 5);
  });

  it('scores objectness × class score against the threshold', () => {
    const t = head();
    setRow(t, 0, [0, 0, 0, 0, 0.9, 0.3, 0, 0]); // 0.27 < 0.3
    setRow(t, 1, [0, 0, 0, 0, 0.5, 0.7, 0, 0]); // 0.35 ≥ 0.3
    const out = yoloxDecode(t, OPTS);
    expect(out).toHaveLength(1);
    expect(out[0]!.score).toBeCloseTo(0.35, 6);
  });

  it('refuses an output of the wrong size, saying what it expected', () => {
    expect(() => yoloxDecode(new Float32Array(10), OPTS)).toThrow(/expected 20 rows × 8/);
  });
});
