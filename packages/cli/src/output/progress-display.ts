import type { NodeStats } from '@vision-flow/core';
import { runCounts, type RunMonitor } from './run-monitor.js';

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  readonly unit: string;
  readonly sinkNodes: readonly string[];
  readonly stats: () => readonly NodeStats[];
  readonly monitor: RunMonitor;
  /** Redraw period on a terminal; elsewhere a counts line is printed every `logEveryMs`. */
  readonly everyMs?: number;
  readonly logEveryMs?: number;
}

/**
 * Shows a run's progress on stderr: a redrawn bar with per-node counts on a terminal, or a plain
 * counts line now and then when output goes to a file or CI log.
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private lastLog = Date.now();

  constructor(private readonly opts: ProgressOptions) {}

  start(): void {
    const tty = this.opts.stream.isTTY === true;
    this.timer = setInterval(() => {
      if (tty) this.draw();
      else if (Date.now() - this.lastLog >= (this.opts.logEveryMs ?? 10_000)) {
        this.lastLog = Date.now();
        this.opts.stream.write(`${this.line(false)}\n`);
      }
    }, this.opts.everyMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) this.opts.stream.write('\r\x1b[2K');
  }

  line(bar: boolean): string {
    const stats = this.opts.stats();
    const { ingested, total, delivered } = runCounts(stats, this.opts.sinkNodes);
    const elapsed = this.opts.monitor.elapsedSeconds();
    const rate = elapsed > 0 ? (delivered / elapsed).toFixed(1) : '0.0';
    const nodes = stats.map((s) => `${s.node} ${s.processed}${s.inFlight > 0 ? `+${s.inFlight}` : ''}`).join(' · ');
    const head = total !== undefined ? `${bar ? `${progressBar(delivered + this.opts.monitor.rejectedCount, total, 20)} ` : ''}${ingested}/${total} ${this.opts.unit}` : `${ingested} ${this.opts.unit}`;
    return `${head} │ ${nodes} │ rejected ${this.opts.monitor.rejectedCount} │ ${rate} ${this.opts.unit}/s`;
  }

  private draw(): void {
    const width = this.opts.stream.columns ?? 120;
    this.opts.stream.write(`\r\x1b[2K${this.line(true).slice(0, width - 1)}`);
    this.drawn = true;
  }
}

export function progressBar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
