import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstrumentationEmitter, type NodeStats } from '@vision-flow/core';
import { ProgressDisplay } from './progress-display.js';
import { RunMonitor } from './run-monitor.js';

const node = (name: string, processed: number, inFlight = 0, sourceTotal?: number): NodeStats => ({
  node: name,
  state: 'running',
  inFlight,
  inFlightLimit: 8,
  processed,
  deadLettered: 0,
  produced: processed,
  sourceExhausted: sourceTotal !== undefined,
  sourceTotal,
});

/** The image pipeline right after start: the source has read all 40 files, nothing delivered yet. */
const FIRST_FRAME = [node('ingest', 40, 0, 40), node('objects', 0, 2), node('faces', 0, 2), node('aggregate', 0), node('deliver', 0)];
const LATER = [node('ingest', 40, 0, 40), node('objects', 13, 2), node('faces', 12, 2), node('aggregate', 12), node('deliver', 12)];

/** What a terminal `columns` wide shows after `ms` of a run whose nodes report `stats`. */
function shownAfter(ms: number, columns: number, stats: readonly NodeStats[]): string {
  const writes: string[] = [];
  const stream = { isTTY: true, columns, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
  const monitor = new RunMonitor(new InstrumentationEmitter());
  const display = new ProgressDisplay({ stream, unit: 'images', sourceNodes: ['ingest'], sinkNodes: ['deliver'], stats: () => stats, monitor, everyMs: 250 });
  display.start();
  vi.advanceTimersByTime(ms);
  display.stop();
  monitor.close();
  const frames = writes.map((w) => w.replace('\r\x1b[2K', '')).filter((w) => w !== '');
  expect(frames.length).toBeGreaterThan(0);
  return frames.at(-1)!;
}

describe('ProgressDisplay on a terminal', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it.each([80, 40])('reads sensibly from the first frame at %i columns: 0 of 40 delivered, no rate yet', (columns) => {
    const line = shownAfter(250, columns, FIRST_FRAME);
    expect(line.length, line).toBeLessThan(columns);
    expect(line).toContain('0/40 delivered');
    expect(line).toMatch(/ …( images)?\/s/);
    expect(line).not.toContain('0.0');
  });

  it.each([80, 40])('shows delivered of total and the whole rate at %i columns once results come', (columns) => {
    const line = shownAfter(2000, columns, LATER);
    expect(line.length, line).toBeLessThan(columns);
    expect(line).toContain('12/40 delivered');
    expect(line).toMatch(/ 6\.0( images)?\/s/);
  });

  it('labels what the sources read apart from what was delivered when there is room', () => {
    const line = shownAfter(2000, 80, LATER);
    expect(line).toMatch(/^\[█+░+\] 12\/40 delivered · 40 ingested │ 0 rejected │ 6\.0 images\/s/);
  });
});
