import { describe, expect, it } from 'vitest';
import { StreamTime } from './stream-time.js';

describe('StreamTime', () => {
  it('gives each input the stream time of its place in the partition, whatever order they finish in', () => {
    const t = new StreamTime();
    const a = t.admit(100);
    const b = t.admit(50); // out of order in time, but read after a
    const c = t.admit(300);
    expect([a.streamTime, b.streamTime, c.streamTime]).toEqual([100, 100, 300]);
  });

  it('moves the clock only to the stream time of the longest prefix of inputs that are done', () => {
    const t = new StreamTime();
    const a = t.admit(100);
    const b = t.admit(200);
    const c = t.admit(300);
    expect(t.complete(c)).toBeUndefined(); // c overtook a and b: the clock must not jump to 300
    expect(t.complete(a)).toBe(100);
    expect(t.complete(b)).toBe(300); // b closes the gap: a, b and c are all done
  });

  it('ignores an input completed twice, and keeps its place across compaction', () => {
    const t = new StreamTime();
    const first = Array.from({ length: 3000 }, (_, i) => t.admit(i));
    for (const p of first) t.complete(p);
    expect(t.complete(first[5]!)).toBeUndefined();
    const late = t.admit(10); // an earlier timestamp read later keeps the stream time reached
    expect(late.streamTime).toBe(2999);
    expect(t.complete(late)).toBe(2999);
  });
});
