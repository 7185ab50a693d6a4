import type { EventPayloads, InstrumentationEmitter, NodeStats } from '@vision-flow/core';

export interface Rejection {
  readonly key: string;
  readonly node: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Follows a run through instrumentation events: which inputs were rejected (dead-lettered by any
 * node, counted once per key) and how many records each node has done, for progress and summary.
 */
export class RunMonitor {
  readonly started = Date.now();
  private readonly rejected = new Map<string, Rejection>();
  private readonly deadLetters = new Map<string, number>();
  /** Records a processor chose not to use (a duplicate, a null key), by node and reason. */
  private readonly dropped = new Map<string, Map<string, number>>();
  private unkeyed = 0;
  private readonly off: Array<() => void> = [];
  /** Store restores in flight, by node/store/partition: their latest progress. */
  private readonly restoring = new Map<string, EventPayloads['store.restore_progress']>();

  constructor(private readonly emitter: InstrumentationEmitter) {
    const restoreKey = (p: { node: string; store: string; partition: number }) => `${p.node}/${p.store}/${p.partition}`;
    this.off.push(
      emitter.on('store.restore_progress', ({ payload: p }) => void this.restoring.set(restoreKey(p), p)),
      emitter.on('store.restored', ({ payload: p }) => void this.restoring.delete(restoreKey(p))),
    );
    this.off.push(
      emitter.on('node.record_dropped', ({ payload: p }) => {
        const byReason = this.dropped.get(p.node) ?? new Map<string, number>();
        byReason.set(p.reason, (byReason.get(p.reason) ?? 0) + 1);
        this.dropped.set(p.node, byReason);
      }),
      emitter.on('node.record_dead_lettered', ({ payload: p }) => {
        this.deadLetters.set(p.node, (this.deadLetters.get(p.node) ?? 0) + 1);
        if (p.key === undefined) this.unkeyed++;
        else if (!this.rejected.has(p.key)) this.rejected.set(p.key, { key: p.key, node: p.node, code: p.code, message: p.message });
      }),
    );
  }

  /** Calls `fn` as each store instance finishes its restore. */
  onRestored(fn: (p: EventPayloads['store.restored']) => void): void {
    this.off.push(this.emitter.on('store.restored', ({ payload }) => fn(payload)));
  }

  /** The restores in flight, with their latest progress. */
  restores(): Array<EventPayloads['store.restore_progress']> {
    return [...this.restoring.values()];
  }

  rejections(): Rejection[] {
    return [...this.rejected.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get rejectedCount(): number {
    return this.rejected.size + this.unkeyed;
  }

  deadLettersByNode(): ReadonlyMap<string, number> {
    return this.deadLetters;
  }

  /** Dropped records by node, then by reason. */
  droppedByNode(): ReadonlyMap<string, ReadonlyMap<string, number>> {
    return this.dropped;
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  close(): void {
    for (const off of this.off) off();
  }
}

/** What the run's source nodes took in (and will take in all, when bounded and known), and what its last nodes delivered. */
export function runCounts(stats: readonly NodeStats[], sourceNodes: readonly string[], sinkNodes: readonly string[]): { ingested: number; total: number | undefined; delivered: number } {
  const sources = stats.filter((s) => sourceNodes.includes(s.node));
  const ingested = sources.reduce((n, s) => n + s.processed + s.deadLettered, 0);
  const totals = sources.map((s) => s.sourceTotal);
  const total = totals.length > 0 && totals.every((t) => t !== undefined) ? totals.reduce((a, b) => a! + b!, 0) : undefined;
  const delivered = stats.filter((s) => sinkNodes.includes(s.node)).reduce((n, s) => n + s.processed, 0);
  return { ingested, total, delivered };
}
