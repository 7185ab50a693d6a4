import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { Cancellable, PunctuationType } from './processor.js';

interface StreamPunctuator {
  readonly intervalMs: number;
  next: number;
  readonly callback: (timestamp: number) => void;
  cancelled: boolean;
}

/**
 * The clocks of one task: stream time (highest event timestamp seen) and wall-clock punctuators.
 * Stream-time punctuators fire when stream time passes their next due time, as in Kafka Streams;
 * wall-clock ones run on an RxJS scheduler so marble tests drive them with virtual time.
 */
export class PunctuationSchedule {
  private time = -Infinity;
  private readonly streamPunctuators: StreamPunctuator[] = [];
  private readonly timers = new Set<Subscription>();

  constructor(private readonly scheduler: SchedulerLike = asyncScheduler) {}

  streamTime(): number {
    return this.time;
  }

  wallClockTime(): number {
    return this.scheduler.now();
  }

  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable {
    if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be positive, got ${intervalMs}`);
    if (type === 'wall-clock') {
      const now = () => this.scheduler.now();
      const sub = this.scheduler.schedule(function tick() {
        callback(now());
        this.schedule(undefined, intervalMs);
      }, intervalMs);
      this.timers.add(sub);
      return { cancel: () => (sub.unsubscribe(), this.timers.delete(sub)) };
    }
    const p: StreamPunctuator = { intervalMs, next: Number.isFinite(this.time) ? this.time + intervalMs : -Infinity, callback, cancelled: false };
    this.streamPunctuators.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Moves stream time forward (never back) and fires the stream-time punctuators that came due. */
  advance(timestamp: number): void {
    if (!(timestamp > this.time)) return;
    this.time = timestamp;
    for (const p of this.streamPunctuators) {
      if (p.cancelled) continue;
      if (p.next === -Infinity) p.next = timestamp;
      if (timestamp >= p.next) {
        p.callback(timestamp);
        // Kafka Streams semantics: the next due time is aligned to the interval after stream time.
        p.next = timestamp + p.intervalMs - ((timestamp - p.next) % p.intervalMs);
      }
    }
  }

  close(): void {
    for (const t of this.timers) t.unsubscribe();
    this.timers.clear();
    this.streamPunctuators.length = 0;
  }
}
