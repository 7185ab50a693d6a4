import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

function tracking(...offsets: number[]): OffsetTracker {
  const t = new OffsetTracker();
  for (const o of offsets) t.begin(o);
  return t;
}

describe('OffsetTracker', () => {
  it('has nothing to commit before the first record', () => {
    expect(new OffsetTracker().committable()).toBeUndefined();
  });

  it('commits the first offset (nothing done yet) while it is still in flight', () => {
    const t = tracking(0, 1, 2);
    expect(t.committable()).toBe(0);
  });

  it('commits one past the highest offset when every record completed in order', () => {
    const t = tracking(0, 1, 2);
    t.complete(0);
    t.complete(1);
    t.complete(2);
    expect(t.committable()).toBe(3);
  });

  it('does not move past an unfinished record when later ones complete first', () => {
    const t = tracking(0, 1, 2, 3);
    t.complete(2);
    t.complete(3);
    t.complete(0);
    expect(t.committable()).toBe(1); // 1 is still in flight: 2 and 3 must wait for it
  });

  it('jumps over every completed record at once when the gap closes', () => {
    const t = tracking(0, 1, 2, 3);
    t.complete(3);
    t.complete(2);
    t.complete(1);
    expect(t.committable()).toBe(0);
    t.complete(0);
    expect(t.committable()).toBe(4);
  });

  interface Case {
    readonly order: readonly number[];
    readonly after: readonly (number | undefined)[];
  }
  it.each<Case>([
    { order: [0, 1, 2, 3, 4], after: [1, 2, 3, 4, 5] },
    { order: [4, 3, 2, 1, 0], after: [0, 0, 0, 0, 5] },
    { order: [1, 0, 3, 2, 4], after: [0, 2, 2, 4, 5] },
    { order: [2, 4, 0, 3, 1], after: [0, 0, 1, 1, 5] },
  ])('commits only the contiguous completed prefix when records complete in order $order', ({ order, after }) => {
    const t = tracking(0, 1, 2, 3, 4);
    const seen = order.map((o) => (t.complete(o), t.committable()));
    expect(seen).toEqual(after);
  });

  it('follows the offsets it was given, which need not be consecutive (compacted or transactional logs)', () => {
    const t = tracking(10, 13, 20);
    t.complete(13);
    expect(t.committable()).toBe(10);
    t.complete(10);
    expect(t.committable()).toBe(20);
    t.complete(20);
    expect(t.committable()).toBe(21);
  });

  it('counts as in flight every record from the commit point on, including done ones waiting behind an unfinished one', () => {
    const t = tracking(0, 1, 2);
    t.complete(1);
    expect(t.inFlight).toBe(3); // 1 is done, but cannot be committed before 0
    t.complete(0);
    expect(t.inFlight).toBe(1); // only 2 is left
  });

  it('refuses an offset that does not increase', () => {
    const t = tracking(5);
    expect(() => t.begin(5)).toThrow(new RangeError('offset 5 arrived after 5; offsets must increase within a partition'));
    expect(() => t.begin(3)).toThrow(RangeError);
  });

  it('keeps committing correctly over a long history with completions out of order', () => {
    const t = new OffsetTracker();
    const n = 5000;
    for (let o = 0; o < n; o++) t.begin(o);
    // Complete in pairs swapped (1, 0, 3, 2, ...): after each pair the prefix is whole.
    for (let o = 0; o < n; o += 2) {
      t.complete(o + 1);
      expect(t.committable()).toBe(o);
      t.complete(o);
      expect(t.committable()).toBe(o + 2);
    }
    expect(t.inFlight).toBe(0);
  });
});
