/** A scored box in corner form, as detectors decode it before suppression. */
export interface Candidate {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly classId: number;
}

export interface NmsOptions {
  /** A box is dropped when it overlaps a kept, higher-scoring box by more than this IoU. */
  readonly iouThreshold: number;
  /** Only boxes of the same class suppress each other (default true). */
  readonly classAware?: boolean;
  readonly maxDetections?: number;
}

/** Intersection over union of two corner boxes; 0 when either is empty. */
export function iou(a: Candidate, b: Candidate): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression: keeps the best-scoring boxes, highest first, dropping any box that
 * overlaps a kept one of the same class (or any class when `classAware` is false) above the threshold.
 */
export function nms(candidates: readonly Candidate[], opts: NmsOptions): Candidate[] {
  const classAware = opts.classAware ?? true;
  const max = opts.maxDetections ?? Infinity;
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= max) break;
    const suppressed = kept.some((k) => (!classAware || k.classId === c.classId) && iou(k, c) > opts.iouThreshold);
    if (!suppressed) kept.push(c);
  }
  return kept;
}
