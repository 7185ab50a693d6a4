import type { NodeStats } from '@vision-flow/core';
import { renderProgress } from './progress-line.js';
import { restoringText } from './restore-line.js';
import { runCounts, type RunMonitor } from './run-monitor.js';

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  readonly unit: string;
  readonly sourceNodes: readonly string[];
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
        this.opts.stream.write(`${this.line()}\n`);
      }
    }, this.opts.everyMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) this.opts.stream.write('\r\x1b[2K');
  }

  /** The progress line for a terminal `width` columns wide, or in full for a log (no width). */
  line(width?: number): string {
    const stats = this.opts.stats();
    const { ingested, total, delivered } = runCounts(stats, this.opts.sourceNodes, this.opts.sinkNodes);
    const { monitor, unit } = this.opts;
    const restoring = monitor.restores().map(restoringText);
    return renderProgress({ unit, ingested, total, delivered, rejected: monitor.rejectedCount, elapsedSeconds: monitor.elapsedSeconds(), nodes: stats, ...(restoring.length > 0 ? { restoring } : {}) }, width);
  }

  private draw(): void {
    this.opts.stream.write(`\r\x1b[2K${this.line(this.opts.stream.columns ?? 120)}`);
    this.drawn = true;
  }
}
