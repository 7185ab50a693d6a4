import { describe, expect, it } from 'vitest';
import { avro } from '../serde/avro/schema.js';
import { sliding } from '../windows/sliding.js';
import { TestHarness } from './test-harness.test-setup.js';
import { windowedBy } from './windowed-by.js';
import type { Windowed } from './windowed-key.js';

const win = (key: string, start: number, end: number): Windowed<string> => ({ key, start, end });
const key = avro.string();

/**
 * Kafka Streams' sliding windows by definition: each record's left window `[t - d, t]` (for
 * t < d, the combined window `[0, d]`) and, when a later record falls in it, its right window
 * `[t + 1, t + 1 + d]`; each window's count is the records in it, both ends inclusive.
 */
function expectedFinal(times: number[], d: number, k: string): Array<[Windowed<string>, number, number]> {
  const starts = new Set<number>();
  for (const t of times) {
    starts.add(t < d ? 0 : t - d);
    if (times.some((u) => u > t && u <= t + 1 + d)) starts.add(t + 1);
  }
  return [...starts].sort((a, b) => a - b).map((s) => {
    const inside = times.filter((t) => t >= s && t <= s + d);
    return [win(k, s, s + d), inside.length, Math.max(...inside)];
  });
}

function seeded(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe('sliding windows', () => {
  it('creates left and right windows as Kafka Streams does, updating the windows an out-of-order record falls in', () => {
    const h = new TestHarness(windowedBy(sliding(10).grace(100)).count({ name: 'counts', key }));
    h.pipe('k', 'd', 10).pipe('k', 'd', 15).pipe('k', 'd', 12);
    expect(h.read()).toEqual([
      [win('k', 0, 10), 1, 10],
      [win('k', 11, 21), 1, 15], [win('k', 5, 15), 2, 15],
      // from the latest window back, as Kafka Streams' processReverse
      [win('k', 11, 21), 2, 15], [win('k', 5, 15), 3, 15], [win('k', 2, 12), 2, 12], [win('k', 13, 23), 1, 15],
    ]);
  });

  it('puts records before the time difference in the combined window [0, d]', () => {
    const h = new TestHarness(windowedBy(sliding(10).grace(100)).count({ name: 'counts', key }));
    h.pipe('k', 'd', 2).pipe('k', 'd', 5);
    expect(h.read()).toEqual([[win('k', 0, 10), 1, 2], [win('k', 3, 13), 1, 5], [win('k', 0, 10), 2, 5]]);
  });

  it.each([1, 2, 3, 4, 5])('emit final gives the windows of the definition for shuffled input within grace (seed %i)', (seed) => {
    const rnd = seeded(seed);
    const d = 20;
    const times = Array.from({ length: 40 }, () => Math.floor(rnd() * 300));
    const h = new TestHarness(windowedBy(sliding(d).grace(1000)).count({ name: 'counts', key, emit: 'final' }));
    for (const t of times) h.pipe('k', 'd', t);
    h.end();
    const got = h.read().sort((a, b) => (a[0] as Windowed<string>).start - (b[0] as Windowed<string>).start);
    expect(got).toEqual(expectedFinal(times, d, 'k'));
  });

  it('a record whose right window is closed is late; one with only its left window closed updates the rest', () => {
    const h = new TestHarness(windowedBy(sliding(10)).count({ name: 'counts', key }));
    h.pipe('k', 'd', 100).pipe('k', 'd', 89);
    expect(h.deadLetters.map((d) => (d.error as { code: string }).code)).toEqual(['LATE']); // 89 + 1 + 10 <= 100
    h.read();
    h.pipe('k', 'd', 95); // its left window [85, 95] is closed at 100; [90, 100] is open until 100 + grace < stream time
    expect(h.read()).toEqual([[win('k', 90, 100), 2, 100], [win('k', 96, 106), 1, 100]]);
    expect(h.dropped.map((d) => d.reason)).toEqual(['late-window']);
  });

  it('emit final emits a window once stream time passes end + grace (ends are inclusive)', () => {
    const h = new TestHarness(windowedBy(sliding(10).grace(5)).count({ name: 'counts', key, emit: 'final' }));
    h.pipe('k', 'd', 20).pipe('k', 'd', 25);
    expect(h.read()).toEqual([]);
    h.pipe('k', 'd', 26);
    expect(h.read()).toEqual([[win('k', 10, 20), 1, 20]]);
  });
});
