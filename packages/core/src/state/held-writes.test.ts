import { describe, expect, it } from 'vitest';
import { HeldWrites } from './held-writes.js';

describe('HeldWrites', () => {
  it('keeps the latest value per group and id, the same id in two groups apart', () => {
    const held = new HeldWrites(10);
    held.hold(1000, 'cam-1', { key: 'cam-1', start: 1000 }, 1);
    held.hold(2000, 'cam-1', { key: 'cam-1', start: 2000 }, 5);
    held.hold(1000, 'cam-1', { key: 'cam-1', start: 1000 }, 2);
    held.hold(1000, 'cam-2', { key: 'cam-2', start: 1000 }, null);
    expect(held.size).toBe(3);
    expect(held.take()).toEqual([
      { key: { key: 'cam-1', start: 1000 }, value: 2 },
      { key: { key: 'cam-2', start: 1000 }, value: null },
      { key: { key: 'cam-1', start: 2000 }, value: 5 },
    ]);
    expect(held.size).toBe(0);
    expect(held.take()).toEqual([]);
  });

  it('past its limit hands back the oldest write, which it no longer holds', () => {
    const held = new HeldWrites(2);
    expect(held.hold(1, 'a', 'a1', 1)).toBeUndefined();
    expect(held.hold(2, 'a', 'a2', 2)).toBeUndefined();
    expect(held.hold(1, 'a', 'a1', 3)).toBeUndefined(); // an update is not a new write
    expect(held.hold(2, 'b', 'b2', 4)).toEqual({ key: 'a1', value: 3 });
    expect(held.hold(3, 'c', 'c3', 5)).toEqual({ key: 'a2', value: 2 });
    expect(held.size).toBe(2);
    expect(held.take().map((w) => w.key)).toEqual(['b2', 'c3']);
  });
});

describe('HeldWrites eviction', () => {
  it('evicts in first-write order over many evictions, across groups, and holds exactly its limit', () => {
    const held = new HeldWrites(100);
    const evicted: unknown[] = [];
    for (let i = 0; i < 5000; i++) {
      const w = held.hold(i % 7, `k${i}`, i, i);
      if (w) evicted.push(w.key);
      if (i % 10 === 0) held.hold(i % 7, `k${i}`, i, -i); // an update keeps its place
    }
    expect(evicted).toEqual(Array.from({ length: 4900 }, (_, i) => i));
    expect(held.size).toBe(100);
    expect(held.take().map((w) => w.key).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 100 }, (_, i) => 4900 + i));
  });
});
