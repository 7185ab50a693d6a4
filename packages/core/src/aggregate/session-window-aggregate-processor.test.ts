import { describe, expect, it } from 'vitest';
import { avro } from '../serde/avro/schema.js';
import { session } from '../windows/session.js';
import { TestHarness } from './test-harness.test-setup.js';
import { windowedBy } from './windowed-by.js';
import type { Windowed } from './windowed-key.js';

const win = (key: string, start: number, end: number): Windowed<string> => ({ key, start, end });
const key = avro.string();
const S0 = win('k', 0, 0);
const S05 = win('k', 0, 5);
const S30 = win('k', 30, 30);
const S18 = win('k', 18, 18);
const S1830 = win('k', 18, 30);

describe('session windows', () => {
  it('merges sessions within the gap and emits a tombstone for each merged-away session (emit update)', () => {
    const h = new TestHarness(windowedBy(session(10).grace(20)).count({ name: 'sessions', key }));
    h.pipe('k', 'd', 0).pipe('k', 'd', 5).pipe('k', 'd', 30).pipe('k', 'd', 18).pipe('k', 'd', 25);
    expect(h.read()).toEqual([
      [S0, 1, 0],
      [S0, null, 0], [S05, 2, 5],
      [S30, 1, 30],
      [S18, 1, 18],
      [S18, null, 18], [S30, null, 30], [S1830, 3, 30],
    ]);
    expect(h.store<import('../state/session-store.js').SessionStore<string, number>>('sessions').fetch('k', 0, 100)).toEqual([
      { start: 0, end: 5, value: 2 },
      { start: 18, end: 30, value: 3 },
    ]);
  });

  it('emit final emits each session once when end + gap + grace < stream time, by end', () => {
    const h = new TestHarness(windowedBy(session(10).grace(5)).count({ name: 'sessions', key, emit: 'final' }));
    h.pipe('k', 'd', 0).pipe('k', 'd', 5).pipe('j', 'd', 8).pipe('k', 'd', 20);
    expect(h.read()).toEqual([]); // stream time 20 = 5 + 10 + 5: not past it yet
    h.pipe('k', 'd', 24);
    expect(h.read()).toEqual([[S05, 2, 5], [win('j', 8, 8), 1, 8]]);
    h.pipe('k', 'd', 40);
    expect(h.read()).toEqual([[win('k', 20, 24), 2, 24]]);
    h.end();
    expect(h.read()).toEqual([[win('k', 40, 40), 1, 40]]);
  });

  it('dead-letters a record whose session would be closed', () => {
    const h = new TestHarness(windowedBy(session(10)).count({ name: 'sessions', key }));
    h.pipe('k', 'd', 100).pipe('k', 'd', 50).pipe('k', 'd', 90);
    expect(h.deadLetters.map((d) => (d.error as { code: string }).code)).toEqual(['LATE']);
    expect(h.read()).toEqual([[win('k', 100, 100), 1, 100], [win('k', 100, 100), null, 100], [win('k', 90, 100), 2, 100]]);
  });

  it('reduce merges sessions with its own function; aggregate needs merge', () => {
    const h = new TestHarness(windowedBy(session(10)).reduce<string, number, 'final'>((a, b) => a + b, { name: 'sum', key, value: avro.long(), emit: 'final' }));
    h.pipe('k', 1, 0).pipe('k', 2, 20).pipe('k', 4, 10).end();
    // [0, 0] closed and expired (retention gap + grace) at stream time 20, as in Kafka Streams: 10 joins only [20, 20].
    expect(h.read()).toEqual([[S0, 1, 0], [win('k', 10, 20), 6, 20]]);
    const u = new TestHarness(windowedBy(session(10).grace(20)).reduce<string, number>((a, b) => a + b, { name: 'sum', key, value: avro.long() }));
    u.pipe('k', 1, 0).pipe('k', 2, 15).pipe('k', 4, 8);
    expect(u.read()).toEqual([[S0, 1, 0], [win('k', 15, 15), 2, 15], [S0, null, 0], [win('k', 15, 15), null, 15], [win('k', 0, 15), 7, 15]]);
    expect(() => windowedBy(session(10)).aggregate(() => 0, (a) => a, { name: 'x', key, value: avro.long() } as never)).toThrow(/merge/);
  });

  it('restores sessions from the changelog, including merges', () => {
    const op = windowedBy(session(10)).count({ name: 'sessions', key });
    const first = new TestHarness(op).pipe('k', 'd', 0).pipe('k', 'd', 5);
    const second = new TestHarness(op, first).pipe('k', 'd', 12);
    expect(second.read()).toEqual([[S05, null, 5], [win('k', 0, 12), 3, 12]]);
  });
});
