import { describe, expect, it } from 'vitest';
import { renderProgress } from './progress-line.js';
import { restoreLine, restoringText } from './restore-line.js';

describe('restore output', () => {
  it('says how much of the changelog a restore read: the tail from a checkpoint, or all of it', () => {
    expect(restoreLine({ node: 'count', store: 'counts', partition: 2, records: 120, fromOffset: 4000, toOffset: 4120, durationMs: 85, persistent: true })).toBe(
      'count: store counts partition 2 restored 120 records of the tail from its checkpoint (offsets 4000-4120) in 85 ms (persistent)',
    );
    expect(restoreLine({ node: 'count', store: 'counts', partition: 0, records: 4120, fromOffset: 0, toOffset: 4120, durationMs: 900, persistent: false })).toBe(
      'count: store counts partition 0 restored 4120 records of its changelog (offsets 0-4120) in 900 ms',
    );
  });

  it('the progress line shows restores in flight, records of total and time, cut to the terminal', () => {
    const restoring = [restoringText({ node: 'count', store: 'counts', partition: 0, records: 1200, total: 5000, fromOffset: 0, toOffset: 5000, elapsedMs: 1234 })];
    const snapshot = { unit: 'records', ingested: 0, total: undefined, delivered: 0, rejected: 0, elapsedSeconds: 1, nodes: [{ node: 'count', processed: 0, inFlight: 0 }], restoring };
    expect(renderProgress(snapshot)).toBe('restoring counts p0 1200/5000 1.2 s');
    expect(renderProgress(snapshot, 20)).toBe('restoring counts p0');
  });
});
