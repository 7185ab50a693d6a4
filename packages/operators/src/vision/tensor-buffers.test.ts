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

  it('keeps at most keepPerSize free buffers of a size', () => {
    const buffers = new TensorBuffers(1);
    const [a, b] = [buffers.take(4), buffers.take(4)];
    buffers.give(a);
    buffers.give(b);
    expect(buffers.take(4)).toBe(a);
    expect(buffers.take(4)).not.toBe(b);
  });
});
