import { describe, expect, it } from 'vitest';
import { DecodedFrameCache, type FrameLookup } from './decoded-frame-cache.js';
import type { DecodedPixels, EncodedFrame } from './frame.js';

const decoding = { failOn: 'warning', ignoreIcc: true, maxPixels: 40_000_000 } as const;
const frame = (bytes: number[]): EncodedFrame => ({ width: 2, height: 1, format: 'jpeg', orientation: 1, encoded: Uint8Array.from(bytes), decoding });
const pixels = (fill: number): DecodedPixels => ({ width: 2, height: 1, dataWidth: 2, dataHeight: 1, data: Buffer.alloc(6, fill) });

function expectKind<K extends FrameLookup['kind']>(found: FrameLookup, kind: K): Extract<FrameLookup, { kind: K }> {
  expect(found.kind).toBe(kind);
  return found as Extract<FrameLookup, { kind: K }>;
}

describe('DecodedFrameCache', () => {
  it('gives a frame decoded once to the next worker that asks, from another view of the same memory', () => {
    const memory = DecodedFrameCache.allocate(4, 64);
    const a = new DecodedFrameCache(memory); // as two workers see it
    const b = new DecodedFrameCache(memory);
    const f = frame([1, 2, 3]);
    const key = DecodedFrameCache.keyOf(f);
    expectKind(a.acquire(f, key, 6), 'miss').reservation!.fill(pixels(7));
    const hit = expectKind(b.acquire(f, DecodedFrameCache.keyOf(f), 6), 'hit');
    expect([...hit.pixels.data]).toEqual([7, 7, 7, 7, 7, 7]);
    expect(hit.pixels).toMatchObject({ width: 2, height: 1, dataWidth: 2, dataHeight: 1 });
    hit.release();
    expect(b.stats()).toEqual({ hits: 1, misses: 1, uncached: 0 });
  });

  it('keys frames by bytes and by decoding options', () => {
    const a = frame([1, 2, 3]);
    expect(DecodedFrameCache.keyOf(a)).toEqual(DecodedFrameCache.keyOf(frame([1, 2, 3])));
    expect(DecodedFrameCache.keyOf(a)).not.toEqual(DecodedFrameCache.keyOf(frame([1, 2, 4])));
    expect(DecodedFrameCache.keyOf(a)).not.toEqual(DecodedFrameCache.keyOf({ ...a, decoding: { ...decoding, ignoreIcc: false } }));
  });

  it('tells a second worker that the frame is being decoded, and settles when it is', async () => {
    const cache = new DecodedFrameCache(DecodedFrameCache.allocate(2, 64));
    const f = frame([9]);
    const key = DecodedFrameCache.keyOf(f);
    const reservation = expectKind(cache.acquire(f, key, 6), 'miss').reservation!;
    const decoding = expectKind(cache.acquire(f, key, 6), 'decoding');
    let settled = false;
    void decoding.settled.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    reservation.fill(pixels(3));
    await decoding.settled;
    expectKind(cache.acquire(f, key, 6), 'hit').release();
  });

  it('frees the slot of a decode that failed: the next worker decodes it itself', () => {
    const cache = new DecodedFrameCache(DecodedFrameCache.allocate(1, 64));
    const f = frame([5]);
    const key = DecodedFrameCache.keyOf(f);
    expectKind(cache.acquire(f, key, 6), 'miss').reservation!.abandon();
    expect(expectKind(cache.acquire(f, key, 6), 'miss').reservation).toBeDefined();
  });

  it('replaces the least recently used frame, never one that is being read', () => {
    const cache = new DecodedFrameCache(DecodedFrameCache.allocate(2, 64));
    const [f1, f2, f3] = [frame([1]), frame([2]), frame([3])];
    const [k1, k2, k3] = [f1, f2, f3].map((f) => DecodedFrameCache.keyOf(f)) as [Int32Array, Int32Array, Int32Array];
    expectKind(cache.acquire(f1, k1, 6), 'miss').reservation!.fill(pixels(1));
    expectKind(cache.acquire(f2, k2, 6), 'miss').reservation!.fill(pixels(2));
    const reading = expectKind(cache.acquire(f1, k1, 6), 'hit'); // f1 is now the most recent, and held
    expectKind(cache.acquire(f3, k3, 6), 'miss').reservation!.fill(pixels(3)); // takes f2's slot
    expectKind(cache.acquire(f3, k3, 6), 'hit').release(); // f3 is now the most recent
    const f2again = expectKind(cache.acquire(f2, k2, 6), 'miss').reservation!; // takes f3's slot, not f1's (held)
    // Both slots busy now (f1 read, f2 being written): no slot for f3, which decodes uncached.
    expect(expectKind(cache.acquire(f3, k3, 6), 'miss').reservation).toBeUndefined();
    f2again.abandon();
    expect([...reading.pixels.data]).toEqual([1, 1, 1, 1, 1, 1]);
    reading.release();
  });

  it('shares a frame decoded in place into its slot, held for its decoder until released', () => {
    const cache = new DecodedFrameCache(DecodedFrameCache.allocate(1, 64));
    const [f, other] = [frame([4]), frame([6])];
    const key = DecodedFrameCache.keyOf(f);
    const reservation = expectKind(cache.acquire(f, key, 6), 'miss').reservation!;
    const data = reservation.memory.subarray(0, 6).fill(4); // as the JPEG decoder writes it
    expect(() => reservation.filled({ ...pixels(4) })).toThrow(/decoded into the reservation's memory/);
    const held = reservation.filled({ width: 2, height: 1, dataWidth: 2, dataHeight: 1, data });
    expect(() => reservation.filled({ width: 2, height: 1, dataWidth: 2, dataHeight: 1, data })).toThrow(/already filled/);
    const hit = expectKind(cache.acquire(f, key, 6), 'hit');
    expect([...hit.pixels.data]).toEqual([4, 4, 4, 4, 4, 4]);
    hit.release();
    // Its decoder still reads it: the only slot is not given to another frame until it lets go.
    expect(expectKind(cache.acquire(other, DecodedFrameCache.keyOf(other), 6), 'miss').reservation).toBeUndefined();
    held.release();
    held.release(); // once only
    expect(expectKind(cache.acquire(other, DecodedFrameCache.keyOf(other), 6), 'miss').reservation).toBeDefined();
  });

  it('does not keep frames larger than a slot', () => {
    const cache = new DecodedFrameCache(DecodedFrameCache.allocate(2, 4));
    const f = frame([8]);
    expect(expectKind(cache.acquire(f, DecodedFrameCache.keyOf(f), 6), 'miss').reservation).toBeUndefined();
    expect(cache.stats().uncached).toBe(1);
  });
});
