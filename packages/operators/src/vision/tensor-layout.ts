// Where each resampled pixel of a model input goes. Plain CHW planes, or space-to-depth: YOLOX's
// first layer ("Focus") slices its 3 × H × W input into its four 2 × 2 phases and stacks them as
// 12 × H/2 × W/2. ONNX Runtime runs those strided Slices and the Concat in 1.5 ms of yolox-nano's
// 15.5; written in that layout by the resize itself, the same tensor costs nothing extra
// (space-to-depth-input.ts takes the Focus out of the graph).

/** The Focus layer's phases in its concat order: block g holds input rows ≡ row, columns ≡ col (mod 2). */
export type SpaceToDepthBlocks = ReadonlyArray<{ readonly row: number; readonly col: number }>;

/** Float offsets in the tensor where output row y's even and odd pixels start (R, G, B), and the step between them. */
export interface RowTargets {
  readonly even: readonly [number, number, number];
  readonly odd: readonly [number, number, number];
  readonly step: number;
}

/** Where each value goes; two classes (not closures made per call), so V8 optimises the callers once. */
export interface TensorLayout {
  /** Tensor dims as the model is fed. */
  readonly dims: readonly number[];
  rowTargets(y: number): RowTargets;
  /** Sets every value outside the `width × height` image at the top-left to `pad`. */
  fillPadding(out: Float32Array, width: number, height: number, pad: number): void;
}

/** Planes of `tensorWidth × tensorHeight`, one per channel; `channels` gives the plane of R, G and B (RGB: 0, 1, 2; BGR: 2, 1, 0). */
export class ChwLayout implements TensorLayout {
  readonly dims: readonly number[];
  private readonly plane: number;
  private readonly start: readonly [number, number, number];

  constructor(channels: readonly [number, number, number], private readonly tensorWidth: number, tensorHeight: number) {
    this.dims = [1, 3, tensorHeight, tensorWidth];
    this.plane = tensorWidth * tensorHeight;
    this.start = [channels[0] * this.plane, channels[1] * this.plane, channels[2] * this.plane];
  }

  rowTargets(y: number): RowTargets {
    const line = y * this.tensorWidth;
    const [r, g, b] = this.start;
    return { even: [r + line, g + line, b + line], odd: [r + line + 1, g + line + 1, b + line + 1], step: 2 };
  }

  fillPadding(out: Float32Array, width: number, height: number, pad: number): void {
    const w = this.tensorWidth;
    for (const s of this.start) {
      if (width < w) for (let y = 0; y < height; y++) out.fill(pad, s + y * w + width, s + (y + 1) * w);
      out.fill(pad, s + height * w, s + this.plane);
    }
  }
}

/** The CHW image above, its 2 × 2 phases stacked as `blocks` says: 4 × 3 planes of (W/2) × (H/2). */
export class SpaceToDepthLayout implements TensorLayout {
  readonly dims: readonly number[];
  private readonly half: number;
  private readonly halfHeight: number;
  private readonly plane: number;
  /** Plane starts (R, G, B) of the even and odd columns, for even and odd rows. */
  private readonly starts: ReadonlyArray<{ readonly even: readonly [number, number, number]; readonly odd: readonly [number, number, number] }>;

  constructor(channels: readonly [number, number, number], tensorWidth: number, tensorHeight: number, blocks: SpaceToDepthBlocks) {
    if (tensorWidth % 2 || tensorHeight % 2 || blocks.length !== 4) throw new Error(`no space-to-depth layout for ${tensorWidth}×${tensorHeight} in ${blocks.length} blocks`);
    this.half = tensorWidth / 2;
    this.halfHeight = tensorHeight / 2;
    this.plane = this.half * this.halfHeight;
    this.dims = [1, 12, this.halfHeight, this.half];
    const startOf = (row: number, col: number): [number, number, number] => {
      const g = blocks.findIndex((b) => b.row === row && b.col === col);
      if (g < 0) throw new Error(`the space-to-depth blocks lack phase (${row}, ${col})`);
      return [(3 * g + channels[0]) * this.plane, (3 * g + channels[1]) * this.plane, (3 * g + channels[2]) * this.plane];
    };
    this.starts = [0, 1].map((row) => ({ even: startOf(row, 0), odd: startOf(row, 1) }));
  }

  rowTargets(y: number): RowTargets {
    const s = this.starts[y & 1]!;
    const line = (y >> 1) * this.half;
    return { even: [s.even[0] + line, s.even[1] + line, s.even[2] + line], odd: [s.odd[0] + line, s.odd[1] + line, s.odd[2] + line], step: 1 };
  }

  fillPadding(out: Float32Array, width: number, height: number, pad: number): void {
    // Each phase plane holds the image's rows ≡ row and columns ≡ col (mod 2): ⌈(size − phase) / 2⌉ of each.
    for (const [row, s] of this.starts.entries()) {
      const rows = Math.ceil((height - row) / 2);
      for (const [col, starts] of [s.even, s.odd].entries()) {
        const cols = Math.ceil((width - col) / 2);
        for (const p of starts) {
          if (cols < this.half) for (let y = 0; y < rows; y++) out.fill(pad, p + y * this.half + cols, p + (y + 1) * this.half);
          out.fill(pad, p + rows * this.half, p + this.plane);
        }
      }
    }
  }
}
