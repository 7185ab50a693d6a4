import { describe, expect, it } from 'vitest';
import { FrameSlots } from './frame-slots.js';

const pixels = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

describe('FrameSlots', () => {
  it('copies a frame into shared memory, one slot per frame in flight, re-used once given back', () => {
    const slots = new FrameSlots(2, 1024);
    const a = slots.put(pixels(12, 1))!;
    const b = slots.put(pixels(12, 2))!;
    expect(a.view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.view.buffer).not.toBe(a.view.buffer); // two frames in flight never share a slot
    expect([...a.view]).toEqual(new Array(12).fill(1));
    expect(slots.put(pixels(12, 3))).toBeUndefined(); // none free: the caller posts its own bytes
    slots.give(a.slot);
    const c = slots.put(pixels(10, 4))!;
    expect(c.view.buffer).toBe(a.view.buffer); // re-used, not re-allocated
    expect(c.view).toHaveLength(10); // exactly the frame's bytes, whatever the slot's size
    expect([...c.view]).toEqual(new Array(10).fill(4));
  });

  it('grows a slot for a larger frame and never holds frames over maxBytes', () => {
    const slots = new FrameSlots(1, 100);
    const small = slots.put(pixels(10, 1))!;
    slots.give(small.slot);
    const large = slots.put(pixels(90, 2))!;
    expect(large.view).toHaveLength(90);
    expect(large.view.buffer.byteLength).toBeLessThanOrEqual(100);
    slots.give(large.slot);
    expect(slots.put(pixels(101, 3))).toBeUndefined();
  });
});
