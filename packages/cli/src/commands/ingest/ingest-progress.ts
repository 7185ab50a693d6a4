import { progressBar } from '../../output/progress-line.js';

/** What the progress line counts. */
export interface IngestCounts {
  readonly total: number;
  accepted: number;
  rejected: number;
  retried: number;
  inFlight: number;
}

/** `[bar] 12/30 accepted │ 1 rejected │ 3 retries │ 4 in flight │ 8.1 images/s` on a terminal, redrawn; a plain line every 10 s otherwise. */
export class IngestProgress {
  private timer: NodeJS.Timeout | undefined;
  private lastLog = Date.now();
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly counts: IngestCounts,
  ) {}

  start(): void {
    const tty = this.stream.isTTY === true;
    this.timer = setInterval(() => {
      if (tty) this.stream.write(`\r\x1b[2K${this.line(true)}`);
      else if (Date.now() - this.lastLog >= 10_000) {
        this.lastLog = Date.now();
        this.stream.write(`${this.line(false)}\n`);
      }
    }, 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
  }

  line(bar: boolean): string {
    const c = this.counts;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = c.accepted > 0 ? (c.accepted / seconds).toFixed(1) : '…';
    const text = `${c.accepted}/${c.total} accepted │ ${c.rejected} rejected │ ${c.retried} retries │ ${c.inFlight} in flight │ ${rate} images/s`;
    return bar ? `${progressBar(c.accepted + c.rejected, c.total, 20)} ${text}` : text;
  }
}
