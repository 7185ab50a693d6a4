import { describe, expect, it } from 'vitest';
import { TensorBuffers } from './tensor-buffers.js';

describe('TensorBuffers', () => {
  it('gives a buffer back out once returned, and a new one while it is taken', () => {
    const buffers = new TensorBuffers();
    const a = buffers.take(12);
    const b = buffers.take(12);
    expect(b).not.toBe(a); // two frames in flight never share an input tensor
    buffers.give(a);
    expect(buffers.take(12)).toBe(a);
    expect(buffers.take(6)).toHaveLength(6); // sizes are kept apart
  });

  it("takes from a lender first and gives its tensors back to it, and falls back to its own when the lender has none", () => {
    const lendable = [new Float32Array(8)];
    const out = new Set<Float32Array>();
    const lender = {
      lendTensor: (length: number) => {
        const t = lendable.find((x) => x.length === length && !out.has(x));
        if (t) out.add(t);
        return t;
      },
      lent: (t: Float32Array) => out.has(t),
      returnTensor: (t: Float32Array) => void out.delete(t),
    };
    const buffers = new TensorBuffers(4, lender);
    const a = buffers.take(8);
    expect(a).toBe(lendable[0]);
    const b = buffers.take(8); // the lender has no other: one of its own
    expect(b).not.toBe(a);
    buffers.give(a);
    buffers.give(b);
    expect(out.size).toBe(0);
    expect(buffers.take(8)).toBe(a);
    expect(buffers.take(8)).toBe(b);
  });

  it('keeps at most keepPerSize free buffers of a size', () => {
    const buffers = new TensorBuffers(1);
    const [a, b] = [buffers.take(4), buffers.take(4)];
    buffers.give(a);
    buffers.give(b);
    expect(buffers.take(4)).toBe(a);
    expect(buffers.take(4)).not.toBe(b);
  });
});
