import { describe, expect, it } from 'vitest';
import { avro } from '../serde/avro/schema.js';
import { hopping } from '../windows/hopping.js';
import { tumbling } from '../windows/tumbling.js';
import { TestHarness } from './test-harness.test-setup.js';
import { windowedBy } from './windowed-by.js';
import type { Windowed } from './windowed-key.js';

const win = (key: string, start: number, end: number): Windowed<string> => ({ key, start, end });
const key = avro.string();

describe('tumbling windows', () => {
  const W0 = win('cam-1', 0, 500);
  const W1 = win('cam-1', 500, 1000);
  const V0 = win('cam-2', 0, 500);

  it.each([
    { emit: 'update' as const, out: [[W0, 1, 10], [W0, 2, 15], [V0, 1, 20], [W1, 1, 500]] },
    { emit: 'final' as const, out: [] }, // stream time 500 has not reached 500 + grace 100
  ])('counts per key and window (emit=$emit)', ({ emit, out }) => {
    const h = new TestHarness(windowedBy(tumbling(500).grace(100)).count({ name: 'counts', key, emit }));
    h.pipe('cam-1', 'd', 10).pipe('cam-1', 'd', 15).pipe('cam-2', 'd', 20).pipe('cam-1', 'd', 500);
    expect(h.read()).toEqual(out);
  });

  it('emit final emits each window once, when stream time reaches end + grace, with its highest timestamp', () => {
    const h = new TestHarness(windowedBy(tumbling(500).grace(100)).count({ name: 'counts', key, emit: 'final' }));
    h.pipe('cam-1', 'd', 10).pipe('cam-2', 'd', 20).pipe('cam-1', 'd', 499).pipe('cam-1', 'd', 599);
    expect(h.read()).toEqual([]);
    h.pipe('cam-1', 'd', 450); // out of order, within grace: counts in W0
    h.pipe('cam-1', 'd', 600);
    expect(h.read()).toEqual([[W0, 3, 499], [V0, 1, 20]]);
    h.pipe('cam-1', 'd', 700);
    expect(h.read()).toEqual([]);
  });

  it('at the end of a bounded input emits the windows still open (emit final)', () => {
    const h = new TestHarness(windowedBy(tumbling(500)).count({ name: 'counts', key, emit: 'final' }));
    h.pipe('cam-1', 'd', 10).pipe('cam-1', 'd', 510).end();
    expect(h.read()).toEqual([[W0, 1, 10], [W1, 1, 510]]);
  });

  it('dead-letters a record whose window is closed (LATE, with its lateness) and leaves state alone', () => {
    const h = new TestHarness(windowedBy(tumbling(500).grace(100)).count({ name: 'counts', key }));
    h.pipe('cam-1', 'd', 10).pipe('cam-1', 'd', 650).pipe('cam-1', 'd', 20);
    expect(h.deadLetters.map((d) => [(d.error as { code: string }).code, (d.error as { context: { lateness: number } }).context.lateness])).toEqual([['LATE', 50]]);
    h.read();
    h.pipe('cam-1', 'd', 499); // W0 closed at 600 <= stream time 650: late too
    h.pipe('cam-1', 'd', 599); // W1 is open
    expect(h.read()).toEqual([[W1, 2, 650]]);
    expect(h.deadLetters).toHaveLength(2);
  });

  it('a record exactly at end + grace is late (closed when end + grace <= stream time)', () => {
    const h = new TestHarness(windowedBy(tumbling(500).grace(100)).count({ name: 'counts', key }));
    h.pipe('cam-1', 'd', 599).pipe('cam-1', 'd', 499);
    expect(h.read()).toEqual([[W1, 1, 599], [W0, 1, 499]]);
    h.pipe('cam-1', 'd', 600).pipe('cam-1', 'd', 1);
    expect(h.deadLetters).toHaveLength(1);
  });

  it('continues after a restart from the restored store, and emit final does not repeat windows', async () => {
    const op = windowedBy(tumbling(500)).count({ name: 'counts', key, emit: 'final' });
    const first = new TestHarness(op).pipe('cam-1', 'd', 10).pipe('cam-1', 'd', 510);
    expect(first.read()).toEqual([[W0, 1, 10]]);
    await new Promise((resolve) => setImmediate(resolve)); // the marker moves once W0's record is durable (EmittedMarker)
    const second = new TestHarness(op, first).pipe('cam-1', 'd', 520).pipe('cam-1', 'd', 1000);
    expect(second.read()).toEqual([[W1, 2, 520]]);
  });

  it('reads event time from the value with a timestamp extractor, and stream time from those times', () => {
    const op = windowedBy(tumbling(500)).count<string, { at: number }>({ name: 'counts', key, timestamp: (r) => r.value.at });
    const h = new TestHarness(op);
    h.pipe('cam-1', { at: 10 }, 9_000).pipe('cam-1', { at: 600 }, 1).pipe('cam-1', { at: 20 }, 2);
    expect(h.read()).toEqual([[W0, 1, 10], [W1, 1, 600]]);
    expect(h.deadLetters).toHaveLength(1); // 20 is late: its window closed when event time reached 600
  });

  it('reduce and aggregate fold per window', () => {
    const r = new TestHarness(windowedBy(tumbling(500)).reduce<string, number>((a, b) => a + b, { name: 'sum', key, value: avro.long() }));
    r.pipe('cam-1', 2, 1).pipe('cam-1', 3, 2).pipe('cam-1', 4, 501);
    expect(r.read()).toEqual([[W0, 2, 1], [W0, 5, 2], [W1, 4, 501]]);
    const a = new TestHarness(windowedBy(tumbling(500)).aggregate(() => '', (acc: string, v: string) => acc + v, { name: 'cat', key, value: avro.string() }));
    a.pipe('cam-1', 'a', 1).pipe('cam-1', 'b', 2);
    expect(a.read().map(([, v]) => v)).toEqual(['a', 'ab']);
  });
});

describe('hopping windows', () => {
  const H0 = win('k', 0, 1000);
  const H5 = win('k', 500, 1500);
  const H10 = win('k', 1000, 2000);

  it('updates every window a record falls in, oldest first; no window starts before 0', () => {
    const h = new TestHarness(windowedBy(hopping(1000).advanceBy(500)).count({ name: 'counts', key }));
    h.pipe('k', 'd', 100).pipe('k', 'd', 700).pipe('k', 'd', 1200);
    expect(h.read()).toEqual([[H0, 1, 100], [H0, 2, 700], [H5, 1, 700], [H5, 2, 1200], [H10, 1, 1200]]);
  });

  it('a record with some windows closed updates the open ones and counts each closed one as dropped', () => {
    const h = new TestHarness(windowedBy(hopping(1000).advanceBy(500)).count({ name: 'counts', key }));
    h.pipe('k', 'd', 1100).pipe('k', 'd', 700);
    expect(h.read()).toEqual([[H5, 1, 1100], [H10, 1, 1100], [H5, 2, 1100]]);
    expect(h.dropped.map((d) => d.reason)).toEqual(['late-window']);
    expect(h.deadLetters).toEqual([]);
  });

  it('emit final emits the windows in order of start as they close', () => {
    const h = new TestHarness(windowedBy(hopping(1000).advanceBy(500)).count({ name: 'counts', key, emit: 'final' }));
    h.pipe('k', 'd', 100).pipe('k', 'd', 700).pipe('k', 'd', 1200);
    expect(h.read()).toEqual([[H0, 2, 700]]);
    h.pipe('k', 'd', 2000);
    expect(h.read()).toEqual([[H5, 2, 1200], [H10, 1, 1200]]);
  });
});
