import { describe, expect, it } from 'vitest';
import { ultrafaceDecode } from './ultraface-decode.js';

describe('ultrafaceDecode', () => {
  it('keeps anchors whose face probability reaches the threshold, with their corner boxes', () => {
    const scores = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.25, 0.75]);
    const boxes = new Float32Array([0, 0, 1, 1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.7]);
    const out = ultrafaceDecode(scores, boxes, 0.7);
    expect(out).toHaveLength(2);
    expect(out[0]!.score).toBeCloseTo(0.8, 6);
    expect(out[0]!.classId).toBe(0);
    expect([out[0]!.x1, out[0]!.y1, out[0]!.x2, out[0]!.y2].map((v) => Math.round(v * 10) / 10)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(out[1]!.score).toBeCloseTo(0.75, 6);
  });

  it('refuses outputs that do not match each other', () => {
    expect(() => ultrafaceDecode(new Float32Array(4), new Float32Array(4), 0.7)).toThrow(/do not match/);
  });
});
