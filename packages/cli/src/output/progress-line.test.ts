import { describe, expect, it } from 'vitest';
import { renderProgress, type ProgressSnapshot } from './progress-line.js';

const NODES = [
  { node: 'ingest', processed: 1200, inFlight: 0 },
  { node: 'objects', processed: 731, inFlight: 4 },
  { node: 'faces', processed: 729, inFlight: 4 },
  { node: 'aggregate', processed: 728, inFlight: 0 },
  { node: 'deliver', processed: 727, inFlight: 0 },
];
const RUNNING: ProgressSnapshot = { unit: 'images', ingested: 1200, total: 1200, delivered: 727, rejected: 3, elapsedSeconds: 53.3, nodes: NODES };
const STARTING: ProgressSnapshot = { ...RUNNING, delivered: 0, rejected: 0, elapsedSeconds: 0.4, nodes: NODES.map((n, i) => ({ ...n, processed: i === 0 ? 1200 : 0 })) };

describe('renderProgress', () => {
  it('spells everything out in a wide terminal: bar, delivered of total, ingested, rejected, rate, every node', () => {
    expect(renderProgress(RUNNING, 200)).toBe(
      '[████████████░░░░░░░░] 727/1200 delivered · 1200 ingested │ 3 rejected │ 13.6 images/s │ ingest 1200 · objects 731+4 · faces 729+4 · aggregate 728 · deliver 727',
    );
  });

  it('fits 80 columns: full counts and rate with a smaller bar; node entries only in the room left, whole', () => {
    const line = renderProgress(RUNNING, 80);
    expect(line).toMatch(/^\[█{7}░{5}\] 727\/1200 delivered · 1200 ingested │ 3 rejected │ 13\.6 images\/s$/);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(renderProgress(RUNNING, 120)).toBe('[████████████░░░░░░░░] 727/1200 delivered · 1200 ingested │ 3 rejected │ 13.6 images/s │ ingest 1200 · …');
  });

  it('fits 40 columns with shorter labels, numbers whole; the bar goes when even 5 cells do not fit', () => {
    expect(renderProgress(RUNNING, 40)).toBe('727/1200 delivered │ 3 rej. │ 13.6/s');
    expect(renderProgress({ ...RUNNING, ingested: 40, total: 40, delivered: 12, rejected: 0, elapsedSeconds: 2 }, 40)).toBe('12/40 delivered │ 0 rej. │ 6.0/s');
    expect(renderProgress({ ...RUNNING, ingested: 40, total: 40, delivered: 12, rejected: 0, elapsedSeconds: 2 }, 48)).toBe('12/40 delivered │ 0 rejected │ 6.0 images/s');
  });

  it('shows … for the rate until something has finished, not 0.0', () => {
    expect(renderProgress(STARTING, 80)).toMatch(/^\[░+\] 0\/1200 delivered · 1200 ingested │ 0 rejected │ … images\/s$/);
    expect(renderProgress(STARTING, 40)).toBe('0/1200 delivered │ 0 rej. │ …/s');
  });

  it('counts a run whose inputs were all rejected as measured: 0.0 delivered per second', () => {
    expect(renderProgress({ ...STARTING, rejected: 5, elapsedSeconds: 2 }, 120)).toContain('│ 5 rejected │ 0.0 images/s');
  });

  it('never cuts a number or wraps, whatever the width down to 24 columns', () => {
    for (let width = 24; width <= 220; width++) {
      const line = renderProgress(RUNNING, width);
      expect(line.length, `${width}: ${line}`).toBeLessThan(width);
      expect(line, `${width}: ${line}`).toMatch(/727\/1200 .*\b3\b.* 13\.6( images)?\/s( │ .*[\d…])?$/);
    }
  });

  it('shrinks the bar before shortening any label', () => {
    const done = { ...RUNNING, delivered: 1197, elapsedSeconds: 100 };
    const counts = '1197/1200 delivered · 1200 ingested │ 3 rejected │ 12.0 images/s';
    const narrow = renderProgress(done, '[123456] '.length + counts.length + 1);
    expect(narrow).toBe(`[██████] ${counts}`);
  });

  it('keeps the bar the same width while the counts grow', () => {
    const bars = [0, 9, 10, 99, 100, 999, 1000, 1200].map((delivered) => renderProgress({ ...RUNNING, delivered, elapsedSeconds: delivered === 0 ? 0.4 : 20 }, 80).indexOf(']'));
    expect(new Set(bars).size, String(bars)).toBe(1);
  });

  it('has no bar and no total when the sources are unbounded', () => {
    expect(renderProgress({ ...RUNNING, total: undefined }, 80)).toBe('727 delivered · 1200 ingested │ 3 rejected │ 13.6 images/s │ ingest 1200 · …');
  });

  it('writes everything, without a bar, for a log line', () => {
    expect(renderProgress(RUNNING)).toBe(
      '727/1200 delivered · 1200 ingested │ 3 rejected │ 13.6 images/s │ ingest 1200 · objects 731+4 · faces 729+4 · aggregate 728 · deliver 727',
    );
  });
});
