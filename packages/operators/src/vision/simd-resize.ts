// Imports nothing from @vision-flow/core: inference workers use it (see inference-worker.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SourceRowPair } from './source-row-pair.js';
import type { TensorLayout } from './tensor-layout.js';

/** Built from assembly/resize.ts by the package's build; src/vision and dist/vision are both two levels down. */
const WASM = new URL('../../wasm/resize.wasm', import.meta.url);
const PAGE = 65_536;
/** Where the buffers below start: the module's own memory (stack, static data) stays under it. */
const BASE = PAGE;
/** The SIMD loads read up to 8 bytes from a pixel's first and store 16 from a pixel's first value. */
const SLACK = 16;
/**
 * Room kept above the lent tensors when the memory grows for one (see `lendTensor`): a resize's
 * source frame and scratch, for frames up to the decoded-frame cache's 4 MiB without growing again.
 */
const JOB_ROOM = 8 << 20;
/** Tensors lent at once at most: frames in flight on one worker, each with its model's input. */
const MAX_LENT_TENSORS = 8;

/** The parts of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface ResizeExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  horizontal(src: number, cols: number, weights: number, width: number, into: number): void;
  vertical(rowA: number, rowB: number, width: number, b0: number, b1: number, lut: number, rE: number, gE: number, bE: number, rO: number, gO: number, bO: number, step: number): void;
}

/** Source offset and 11-bit fixed-point weights of each destination column or row (OpenCV INTER_LINEAR). */
export interface Taps {
  readonly index: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

/** What one resampling needs: the same taps, table and layout the JS loop in resize-bilinear-chw.ts uses. */
export interface SimdResizeJob {
  readonly src: Uint8Array;
  readonly srcWidth: number;
  readonly srcHeight: number;
  readonly cols: Taps;
  readonly rows: Taps;
  /** The 256 output values as float32 bit patterns. */
  readonly lutBits: Int32Array;
  /** Written in full: the image at the top-left of each plane, `pad` elsewhere. */
  readonly out: Float32Array;
  /** Where each output pixel goes in `out`. */
  readonly layout: TensorLayout;
  readonly pad: number;
}

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * OpenCV's `resize(INTER_LINEAR)` of 8-bit RGB in WebAssembly SIMD, bit for bit the JS loop's
 * results (the same taps, the same rounding): 4–5× faster on the model inputs here. One instance per
 * thread; its memory grows to the largest frame it was given and stays there.
 *
 * Its memory, from the bottom: the module's own data, the tensors it lends (`lendTensor`: a resize
 * writes into one in place), then one resize's scratch rows and source frame.
 */
export class SimdResize {
  private readonly tensors: { readonly offset: number; readonly length: number; lent: boolean }[] = [];
  /** Where the lent tensors end and a resize's scratch starts. */
  private tensorsEnd = BASE;

  private constructor(private readonly wasm: ResizeExports) {}

  /** Loads the module built by the operators package's build; says so when it was not built. */
  static load(): SimdResize {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM);
    } catch (e) {
      throw new Error(`the SIMD resize module ${fileURLToPath(WASM)} is missing: build the operators package (npm run build, or bash scripts/setup.sh)`, { cause: e });
    }
    const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    return new SimdResize(instance.exports as unknown as ResizeExports);
  }

  /**
   * A float tensor of `length` values in this module's memory, for `resize` to write in place: no
   * copy of every value out of WebAssembly memory afterwards (2 MB per yolox-nano input). Lent until
   * `returnTensor`; undefined when making one would grow the memory while another is lent (growing
   * detaches every view of the old memory, one an inference may be about to read).
   */
  lendTensor(length: number): Float32Array | undefined {
    let slot = this.tensors.find((t) => !t.lent && t.length === length);
    if (!slot) {
      const end = align16(this.tensorsEnd + length * 4);
      // Growing (nothing is lent), it makes room for three more of this size: the other frames in
      // flight then find theirs without growing under this one.
      if (this.tensors.length >= MAX_LENT_TENSORS || !this.reserve(end + JOB_ROOM, end + 3 * length * 4 + JOB_ROOM)) return undefined;
      slot = { offset: this.tensorsEnd, length, lent: false };
      this.tensors.push(slot);
      this.tensorsEnd = end;
    }
    slot.lent = true;
    return new Float32Array(this.wasm.memory.buffer, slot.offset, length);
  }

  /** Whether `tensor` is one this instance lent and has not had back. */
  lent(tensor: Float32Array): boolean {
    return tensor.buffer === this.wasm.memory.buffer && this.tensors.some((t) => t.lent && t.offset === tensor.byteOffset);
  }

  returnTensor(tensor: Float32Array): void {
    const slot = this.tensors.find((t) => t.lent && t.offset === tensor.byteOffset && tensor.buffer === this.wasm.memory.buffer);
    if (slot) slot.lent = false;
  }

  /**
   * Resamples `job` into `job.out`, in place when `out` is a tensor lent by this instance. False,
   * with nothing written, when the frame needs more memory than there is while a tensor is lent:
   * the caller resamples another way.
   */
  resize(job: SimdResizeJob): boolean {
    const { src, srcWidth, srcHeight, cols, rows, out, layout } = job;
    const width = cols.index.length;
    const height = rows.index.length;
    const rowBytes = width * 12 + SLACK;
    const lut = this.tensorsEnd;
    const colsAt = lut + 1024;
    const weightsAt = align16(colsAt + width * 4);
    const rowAAt = align16(weightsAt + width * 16);
    const rowBAt = align16(rowAAt + rowBytes);
    const srcAt = align16(rowBAt + rowBytes);
    const inPlace = this.lent(out);
    const outAt = inPlace ? out.byteOffset : align16(srcAt + src.length + SLACK);
    if (!this.reserve(inPlace ? srcAt + src.length + SLACK : outAt + out.length * 4)) return false;
    const buffer = this.wasm.memory.buffer;
    new Int32Array(buffer, lut, 256).set(job.lutBits);
    const colOffsets = new Int32Array(buffer, colsAt, width);
    const weights = new Int16Array(buffer, weightsAt, width * 8);
    for (let x = 0; x < width; x++) {
      colOffsets[x] = cols.index[x]! * 3;
      // (a0, a1) for each channel's pair of pixels, then two zero lanes.
      for (let c = 0; c < 3; c++) {
        weights[x * 8 + 2 * c] = cols.w0[x]!;
        weights[x * 8 + 2 * c + 1] = cols.w1[x]!;
      }
    }
    new Uint8Array(buffer, srcAt, src.length).set(src);
    const tensor = inPlace ? out : new Float32Array(buffer, outAt, out.length);
    layout.fillPadding(tensor, width, height, job.pad);
    const stride = srcWidth * 3;
    const pair = new SourceRowPair(rowAAt, rowBAt, (sy, into) => this.wasm.horizontal(srcAt + sy * stride, colsAt, weightsAt, width, into));
    for (let y = 0; y < height; y++) {
      const sy0 = rows.index[y]!;
      pair.load(sy0, Math.min(sy0 + 1, srcHeight - 1));
      const { even, odd, step } = layout.rowTargets(y);
      this.wasm.vertical(pair.a, pair.b, width, rows.w0[y]!, rows.w1[y]!, lut, outAt + even[0] * 4, outAt + even[1] * 4, outAt + even[2] * 4, outAt + odd[0] * 4, outAt + odd[1] * 4, outAt + odd[2] * 4, step * 4);
    }
    if (!inPlace) out.set(tensor);
    return true;
  }

  /** Whether the module's memory has `bytes`, grown to `growTo` if not and no tensor is lent. */
  private reserve(bytes: number, growTo = bytes): boolean {
    const have = this.wasm.memory.buffer.byteLength;
    if (bytes <= have) return true;
    if (this.tensors.some((t) => t.lent)) return false;
    this.wasm.memory.grow(Math.ceil((growTo - have) / PAGE));
    return true;
  }
}
