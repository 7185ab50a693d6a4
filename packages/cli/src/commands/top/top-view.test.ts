import { describe, expect, it } from 'vitest';
import type { NodeRow, NodeSample } from './node-sample.js';
import { topView } from './top-view.js';

const row = (node: string, recordsIn: number, extra: Partial<NodeRow> = {}): NodeRow => ({ node, state: 'running', recordsIn, recordsOut: recordsIn, lag: 3, inFlight: 2, credits: 6, deadLetters: 0, failures: 0, ...extra });
const URL_A = 'http://127.0.0.1:9001';
const URL_B = 'http://127.0.0.1:9002';

describe('topView', () => {
  it('shows a row per node with rates from the previous frame, and an unreachable process as such', () => {
    const before: NodeSample = { url: URL_A, at: 10_000, rows: [row('objects', 10), row('faces', 10)] };
    const now: NodeSample[] = [
      { url: URL_A, at: 12_000, rows: [row('objects', 30), row('faces', 14, { deadLetters: 2, lag: undefined })] },
      { url: URL_B, at: 12_000, error: 'ECONNREFUSED' },
    ];
    const lines = topView(now, new Map([[URL_A, before]]), 'image-pipeline', new Date('2026-01-01T10:00:05Z'));
    expect(lines[0]).toBe('vision-flow top · image-pipeline · 1/2 processes · lag 3 · 10:00:05 UTC (Ctrl-C to quit)');
    expect(lines[2]).toMatch(/^NODE\s+STATE\s+IN\/s\s+OUT\/s\s+IN\s+OUT\s+LAG\s+IN-FLIGHT\s+CREDITS\s+DLQ\s+ERRORS\s+URL$/);
    expect(lines[3]).toMatch(/^objects\s+running\s+10\.0\s+10\.0\s+30\s+30\s+3\s+2\s+6\s+0\s+0\s+http:\/\/127\.0\.0\.1:9001$/);
    expect(lines[4]).toMatch(/^faces\s+running\s+2\.0\s+2\.0\s+14\s+14\s+-\s+2\s+6\s+2\s+0\s+http/);
    expect(lines[5]).toMatch(/^-\s+unreachable\s.*http:\/\/127\.0\.0\.1:9002 \(ECONNREFUSED\)$/);
  });

  it('has no rates on the first frame', () => {
    const lines = topView([{ url: URL_A, at: 1, rows: [row('deliver', 5)] }], new Map(), 't');
    expect(lines[3]).toMatch(/^deliver\s+running\s+-\s+-\s+5\s+5\s/);
  });
});
