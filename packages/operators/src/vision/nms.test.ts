import { describe, expect, it } from 'vitest';
import { iou, nms, type Candidate } from './nms.js';

const c = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Candidate => ({ x1, y1, x2, y2, score, classId });

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint or touching boxes', () => {
    expect(iou(c(0, 0, 10, 10, 1), c(0, 0, 10, 10, 1))).toBe(1);
    expect(iou(c(0, 0, 10, 10, 1), c(10, 0, 20, 10, 1))).toBe(0);
    expect(iou(c(0, 0, 10, 10, 1), c(50, 50, 60, 60, 1))).toBe(0);
  });

  it('is intersection over union for partial overlap', () => {
    // Overlap 5×10 = 50, union 100 + 100 − 50 = 150.
    expect(iou(c(0, 0, 10, 10, 1), c(5, 0, 15, 10, 1))).toBeCloseTo(1 / 3, 10);
  });

  it('is 0 for an empty box', () => {
    expect(iou(c(0, 0, 0, 0, 1), c(0, 0, 0, 0, 1))).toBe(0);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes and every separate box, best first', () => {
    const kept = nms([c(1, 1, 11, 11, 0.6), c(0, 0, 10, 10, 0.9), c(100, 100, 120, 120, 0.7)], { iouThreshold: 0.45 });
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
  });

  it('suppresses only above the threshold', () => {
    const boxes = [c(0, 0, 10, 10, 0.9), c(5, 0, 15, 10, 0.8)]; // IoU 1/3
    expect(nms(boxes, { iouThreshold: 0.3 })).toHaveLength(1);
    expect(nms(boxes, { iouThreshold: 0.4 })).toHaveLength(2);
  });

  it('is class-aware by default: a dog does not suppress the person it overlaps', () => {
    const boxes = [c(0, 0, 10, 10, 0.9, 0), c(0, 0, 10, 10, 0.8, 16)];
    expect(nms(boxes, { iouThreshold: 0.45 })).toHaveLength(2);
    expect(nms(boxes, { iouThreshold: 0.45, classAware: false })).toEqual([boxes[0]]);
  });

  it('stops at maxDetections', () => {
    const boxes = Array.from({ length: 10 }, (_, i) => c(i * 20, 0, i * 20 + 10, 10, i / 10));
    const kept = nms(boxes, { iouThreshold: 0.5, maxDetections: 3 });
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.8, 0.7]);
  });

  it('does not reorder or change its input', () => {
    const boxes = [c(0, 0, 1, 1, 0.1), c(5, 5, 6, 6, 0.9)];
    nms(boxes, { iouThreshold: 0.5 });
    expect(boxes[0]!.score).toBe(0.1);
  });
});
