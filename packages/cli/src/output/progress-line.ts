import type { NodeStats } from '@vision-flow/core';

/** One moment of a run, as the progress line shows it. */
export interface ProgressSnapshot {
  readonly unit: string;
  /** Read by the sources so far; a source may read far ahead of delivery. */
  readonly ingested: number;
  /** What the bounded sources will give in all, when they know. */
  readonly total: number | undefined;
  /** Done by the last nodes of the flow. */
  readonly delivered: number;
  readonly rejected: number;
  readonly elapsedSeconds: number;
  readonly nodes: ReadonlyArray<Pick<NodeStats, 'node' | 'processed' | 'inFlight'>>;
  /** Store restores in flight (`restoring counts p0 1200/5000 1.2 s`), shown before the counts. */
  readonly restoring?: readonly string[];
}

const BAR = 20;
const MIN_BAR = 5;
const SEP = ' │ ';

/**
 * The progress line: `[bar] D/T delivered · I ingested │ R rejected │ X unit/s │ per-node counts`.
 * With a `width` (a terminal's columns) it fits in width − 1 characters, so the terminal never
 * wraps it: the bar shrinks (to none) first, then labels get shorter; numbers are never cut; per-node
 * counts fill only the room that is left, whole entries at a time. Without a width (a log line)
 * everything is shown, without a bar.
 */
export function renderProgress(s: ProgressSnapshot, width?: number): string {
  // While stores restore nothing else moves: the restores are the line (cut to the terminal).
  if (s.restoring && s.restoring.length > 0) {
    const line = s.restoring.join(' · ');
    return width === undefined ? line : line.slice(0, Math.max(0, width - 1));
  }
  const nodes = s.nodes.map((n) => `${n.node} ${n.processed}${n.inFlight > 0 ? `+${n.inFlight}` : ''}`);
  // Until something has finished there is no rate to show, only a wait (model loading, warm-up).
  const rate = s.delivered + s.rejected > 0 && s.elapsedSeconds > 0 ? (s.delivered / s.elapsedSeconds).toFixed(1) : '…';
  const variants = countVariants(s, rate);
  if (width === undefined) return [variants[0]!, nodes.join(' · ')].filter((p) => p !== '').join(SEP);
  const room = width - 1;
  // The bar is sized for the counts at their widest (all of the total, a two-digit rate), so it
  // keeps its width from one redraw to the next while the numbers grow.
  const widest = s.total === undefined ? variants : countVariants({ ...s, delivered: Math.max(s.delivered, s.total), ingested: Math.max(s.ingested, s.total) }, rate.padStart(4));
  for (const [i, counts] of variants.entries()) {
    const sizing = Math.max(counts.length, widest[i]!.length);
    for (let bar = s.total !== undefined ? BAR : 0; bar >= MIN_BAR; bar--) {
      if (bar + 3 + sizing <= room) return withNodes(`${progressBar(s.delivered + s.rejected, s.total!, bar)} ${counts}`, nodes, room);
    }
    if (counts.length <= room) return withNodes(counts, nodes, room);
  }
  // A terminal narrower than the shortest form: cut rather than let it wrap and smear the redraw.
  return variants.at(-1)!.slice(0, Math.max(0, room));
}

/** The counts, from the most to the least spelled out. */
function countVariants(s: ProgressSnapshot, rate: string): string[] {
  const done = s.total !== undefined ? `${s.delivered}/${s.total}` : `${s.delivered}`;
  return [
    `${done} delivered · ${s.ingested} ingested${SEP}${s.rejected} rejected${SEP}${rate} ${s.unit}/s`,
    `${done} delivered${SEP}${s.rejected} rejected${SEP}${rate} ${s.unit}/s`,
    `${done} delivered${SEP}${s.rejected} rej.${SEP}${rate}/s`,
    `${done} ✓ ${s.rejected} ✗ ${rate}/s`,
  ];
}

/** Appends as many whole per-node entries as fit, and … when some did not. */
function withNodes(line: string, nodes: readonly string[], room: number): string {
  for (let n = nodes.length; n > 0; n--) {
    const more = n < nodes.length ? ' · …' : '';
    const candidate = `${line}${SEP}${nodes.slice(0, n).join(' · ')}${more}`;
    if (candidate.length <= room) return candidate;
  }
  return line;
}

/** `[████░░░░]`: `done` of `total` in `width` cells. */
export function progressBar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
