/** An axis-aligned box in original image pixels: top-left corner and size. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A box from corner coordinates, clipped to a `width × height` image; undefined when nothing is left. */
export function boxFromCorners(x1: number, y1: number, x2: number, y2: number, width: number, height: number): Box | undefined {
  const left = clamp(Math.min(x1, x2), 0, width);
  const top = clamp(Math.min(y1, y2), 0, height);
  const right = clamp(Math.max(x1, x2), 0, width);
  const bottom = clamp(Math.max(y1, y2), 0, height);
  if (right - left <= 0 || bottom - top <= 0) return undefined;
  return { x: round2(left), y: round2(top), width: round2(right - left), height: round2(bottom - top) };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

// Sub-pixel digits beyond 1/100 are noise from the model; rounding keeps messages small.
const round2 = (v: number): number => Math.round(v * 100) / 100;
