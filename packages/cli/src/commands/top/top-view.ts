import type { NodeSample } from './node-sample.js';

/**
 * One frame of `vision-flow top`: a row per node of every process, with rates from the previous
 * frame's counts (blank on the first frame).
 */
export function topView(samples: readonly NodeSample[], previous: ReadonlyMap<string, NodeSample>, title: string, now = new Date()): string[] {
  const header = ['NODE', 'STATE', 'IN/s', 'OUT/s', 'IN', 'OUT', 'LAG', 'IN-FLIGHT', 'CREDITS', 'DLQ', 'ERRORS', 'URL'];
  const table: string[][] = [header];
  let totalLag = 0;
  for (const s of samples) {
    if ('error' in s) {
      table.push(['-', 'unreachable', '-', '-', '-', '-', '-', '-', '-', '-', '-', `${s.url} (${s.error})`]);
      continue;
    }
    const before = previous.get(s.url);
    for (const r of s.rows) {
      const prev = before && !('error' in before) ? before.rows.find((p) => p.node === r.node) : undefined;
      const seconds = before ? (s.at - before.at) / 1000 : 0;
      const rate = (now: number, then: number | undefined) => (then === undefined || seconds <= 0 ? '-' : (Math.max(0, now - then) / seconds).toFixed(1));
      totalLag += r.lag ?? 0;
      table.push([r.node, r.state, rate(r.recordsIn, prev?.recordsIn), rate(r.recordsOut, prev?.recordsOut), String(r.recordsIn), String(r.recordsOut), r.lag === undefined ? '-' : String(r.lag), String(r.inFlight), String(r.credits), String(r.deadLetters), String(r.failures), s.url]);
    }
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const lines = table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
  const reachable = samples.filter((s) => !('error' in s)).length;
  return [`vision-flow top · ${title} · ${reachable}/${samples.length} processes · lag ${totalLag} · ${now.toISOString().slice(11, 19)} UTC (Ctrl-C to quit)`, '', ...lines];
}
