/**
 * The two horizontally resampled source rows a bilinear output row combines (A above, B below),
 * kept between output rows: consecutive output rows often share a source row, which is then
 * swapped into place instead of resampled again. `R` is whatever holds a row (an Int32Array for
 * the JS loop, an address in WebAssembly memory for the SIMD one).
 */
export class SourceRowPair<R> {
  private haveA = -1;
  private haveB = -1;

  constructor(
    public a: R,
    public b: R,
    private readonly resample: (sourceRow: number, into: R) => void,
  ) {}

  /** Makes `a` hold source row `sy0` and `b` row `sy1`. */
  load(sy0: number, sy1: number): void {
    if (this.haveA !== sy0) {
      if (this.haveB === sy0) {
        [this.a, this.b, this.haveA, this.haveB] = [this.b, this.a, this.haveB, this.haveA];
      } else {
        this.resample(sy0, this.a);
        this.haveA = sy0;
      }
    }
    if (this.haveB !== sy1) {
      this.resample(sy1, this.b);
      this.haveB = sy1;
    }
  }
}
