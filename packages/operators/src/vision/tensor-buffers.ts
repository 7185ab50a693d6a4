/** Where tensors can live without a copy: the SIMD resize's memory (simd-resize.ts). */
export interface TensorLender {
  lendTensor(length: number): Float32Array | undefined;
  lent(tensor: Float32Array): boolean;
  returnTensor(tensor: Float32Array): void;
}

/**
 * Input tensors kept for re-use by one inference worker: a 416×416 tensor is 2 MB, and allocating
 * one per image costs page faults, zeroing and garbage collection. A buffer is taken for one run
 * and given back after it (ONNX runs after a setImmediate, so two frames in flight need two).
 * With a lender, tensors come from it first: the SIMD resize then writes them in place.
 */
export class TensorBuffers {
  private readonly free = new Map<number, Float32Array[]>();

  constructor(
    private readonly keepPerSize = 4,
    private readonly lender?: TensorLender,
  ) {}

  take(length: number): Float32Array {
    return this.lender?.lendTensor(length) ?? this.free.get(length)?.pop() ?? new Float32Array(length);
  }

  give(buffer: Float32Array): void {
    if (this.lender?.lent(buffer)) return this.lender.returnTensor(buffer);
    const list = this.free.get(buffer.length) ?? [];
    if (list.length < this.keepPerSize) list.push(buffer);
    this.free.set(buffer.length, list);
  }
}
