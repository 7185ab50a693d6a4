// Bilinear resampling as OpenCV's resize(INTER_LINEAR) does it for 8-bit RGB, in WebAssembly SIMD.
// The caller (resize-bilinear-chw.ts) computes the taps and owns the layout of this memory.

/**
 * One source row resampled horizontally, weights × pixel, still scaled by 2048: `into` gets
 * 3 int32 per output pixel. `cols` holds each output pixel's source byte offset; `weights` holds
 * each pixel's weights as i16 (a0, a1, a0, a1, a0, a1, 0, 0). Reads 8 bytes per pixel: the source
 * needs 8 bytes of slack after its end, and `into` 4 bytes after its last pixel.
 */
export function horizontal(src: usize, cols: usize, weights: usize, width: i32, into: usize): void {
  for (let x = 0; x < width; x++) {
    const pixels = v128.load64_zero(src + <usize>load<i32>(cols + (<usize>x << 2)));
    // r0 g0 b0 r1 g1 b1 → r0 r1 g0 g1 b0 b1, widened to i16, then r0·a0 + r1·a1 per channel.
    const pairs = i16x8.extend_low_i8x16_u(i8x16.shuffle(pixels, pixels, 0, 3, 1, 4, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    v128.store(into + <usize>x * 12, i32x4.dot_i16x8_s(pairs, v128.load(weights + (<usize>x << 4))));
  }
}

/** OpenCV's vector rounding of two weighted rows: (((a >> 4) · b0) >> 16) + (((b >> 4) · b1) >> 16) + 2 >> 2. */
// @ts-ignore: decorator
@inline function combine(a: v128, b: v128, b0: v128, b1: v128): v128 {
  const top = i32x4.shr_s(i32x4.mul(i32x4.shr_s(a, 4), b0), 16);
  const bottom = i32x4.shr_s(i32x4.mul(i32x4.shr_s(b, 4), b1), 16);
  return i32x4.shr_s(i32x4.add(i32x4.add(top, bottom), i32x4.splat(2)), 2);
}

// @ts-ignore: decorator
@inline function put(plane: usize, k: i32, step: usize, lut: usize, value: i32): void {
  store<i32>(plane + <usize>k * step, load<i32>(lut + (<usize>value << 2)));
}

/**
 * One output row: two horizontally resampled rows combined with row weights b0, b1, each value
 * looked up in `lut` (256 float32 bit patterns) and written to its channel's plane. Even pixels x
 * go to `rE`, `gE`, `bE` and odd ones to `rO`, `gO`, `bO`, at byte offset (x >> 1) · `step`: a
 * plain row is rO = rE + 4 with step 8; a space-to-depth input puts even and odd columns in planes
 * of their own (step 4).
 */
export function vertical(rowA: usize, rowB: usize, width: i32, b0: i32, b1: i32, lut: usize, rE: usize, gE: usize, bE: usize, rO: usize, gO: usize, bO: usize, step: usize): void {
  const w0 = i32x4.splat(b0);
  const w1 = i32x4.splat(b1);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const o = <usize>x * 12;
    const k = x >> 1;
    const v0 = combine(v128.load(rowA + o), v128.load(rowB + o), w0, w1);
    const v1 = combine(v128.load(rowA + o + 16), v128.load(rowB + o + 16), w0, w1);
    const v2 = combine(v128.load(rowA + o + 32), v128.load(rowB + o + 32), w0, w1);
    put(rE, k, step, lut, i32x4.extract_lane(v0, 0));
    put(gE, k, step, lut, i32x4.extract_lane(v0, 1));
    put(bE, k, step, lut, i32x4.extract_lane(v0, 2));
    put(rO, k, step, lut, i32x4.extract_lane(v0, 3));
    put(gO, k, step, lut, i32x4.extract_lane(v1, 0));
    put(bO, k, step, lut, i32x4.extract_lane(v1, 1));
    put(rE, k + 1, step, lut, i32x4.extract_lane(v1, 2));
    put(gE, k + 1, step, lut, i32x4.extract_lane(v1, 3));
    put(bE, k + 1, step, lut, i32x4.extract_lane(v2, 0));
    put(rO, k + 1, step, lut, i32x4.extract_lane(v2, 1));
    put(gO, k + 1, step, lut, i32x4.extract_lane(v2, 2));
    put(bO, k + 1, step, lut, i32x4.extract_lane(v2, 3));
  }
  for (; x < width; x++) {
    const o = <usize>x * 12;
    const odd = (x & 1) == 1;
    for (let c = 0; c < 3; c++) {
      const a = load<i32>(rowA + o + (<usize>c << 2));
      const bb = load<i32>(rowB + o + (<usize>c << 2));
      const v = ((((a >> 4) * b0) >> 16) + (((bb >> 4) * b1) >> 16) + 2) >> 2;
      put(c == 0 ? (odd ? rO : rE) : c == 1 ? (odd ? gO : gE) : odd ? bO : bE, x >> 1, step, lut, v);
    }
  }
}
