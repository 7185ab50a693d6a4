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

export class TensorLayout {
  private constructor(
    /** Tensor dims as the model is fed. */
    readonly dims: readonly number[],
    private readonly target: (y: number) => RowTargets,
    private readonly padding: (out: Float32Array, width: number, height: number, pad: number) => void,
  ) {}

  /**
   * Planes of `tensorWidth × tensorHeight`, one per channel; `channels` gives the plane of R, G and
   * B in the model's channel order (RGB: 0, 1, 2; BGR: 2, 1, 0).
   */
  static chw(channels: readonly [number, number, number], tensorWidth: number, tensorHeight: number): TensorLayout {
    const plane = tensorWidth * tensorHeight;
    const start = channels.map((c) => c * plane) as [number, number, number];
    return new TensorLayout(
      [1, 3, tensorHeight, tensorWidth],
      (y) => {
        const even = start.map((s) => s + y * tensorWidth) as [number, number, number];
        return { even, odd: even.map((e) => e + 1) as [number, number, number], step: 2 };
      },
      (out, width, height, pad) => {
        for (const s of start) {
          if (width < tensorWidth) for (let y = 0; y < height; y++) out.fill(pad, s + y * tensorWidth + width, s + (y + 1) * tensorWidth);
          out.fill(pad, s + height * tensorWidth, s + plane);
        }
      },
    );
  }

  /** The CHW image above, its 2 × 2 phases stacked as `blocks` says: 4 × 3 planes of (W/2) × (H/2). */
  static spaceToDepth(channels: readonly [number, number, number], tensorWidth: number, tensorHeight: number, blocks: SpaceToDepthBlocks): TensorLayout {
    if (tensorWidth % 2 || tensorHeight % 2 || blocks.length !== 4) throw new Error(`no space-to-depth layout for ${tensorWidth}×${tensorHeight} in ${blocks.length} blocks`);
    const w = tensorWidth / 2;
    const h = tensorHeight / 2;
    const startOf = (row: number, col: number): [number, number, number] => {
      const g = blocks.findIndex((b) => b.row === row && b.col === col);
      if (g < 0) throw new Error(`the space-to-depth blocks lack phase (${row}, ${col})`);
      return channels.map((c) => (3 * g + c) * w * h) as [number, number, number];
    };
    const starts = [0, 1].map((row) => ({ even: startOf(row, 0), odd: startOf(row, 1) }));
    return new TensorLayout(
      [1, 12, h, w],
      (y) => {
        const s = starts[y & 1]!;
        const line = (y >> 1) * w;
        return { even: s.even.map((o) => o + line) as [number, number, number], odd: s.odd.map((o) => o + line) as [number, number, number], step: 1 };
      },
      (out, _width, _height, pad) => out.fill(pad), // the image is written over it afterwards
    );
  }

  rowTargets(y: number): RowTargets {
    return this.target(y);
  }

  /** Sets every value outside the `width × height` image at the top-left to `pad`. */
  fillPadding(out: Float32Array, width: number, height: number, pad: number): void {
    this.padding(out, width, height, pad);
  }
}
