import type { Outcome, SourceEnvelope } from '@vision-flow/core';
import { HttpProblem } from './http-problem.js';

interface Waiting<K, V> {
  readonly envelope: SourceEnvelope<K, V>;
  readonly settled: (outcome: Outcome) => void;
  readonly taken: (() => void) | undefined;
}

/**
 * Between HTTP requests and the node's pull loop: a request `submit`s its record and waits for the
 * record's outcome (written durably, or dead-lettered); the node `take`s records only as fast as
 * it writes them. At most `capacity` records wait to be taken: past that the node (or its producer)
 * is behind, and `submit` refuses at once with 503 rather than buffering.
 */
export class SubmissionQueue<K, V> {
  private readonly waiting: Array<Waiting<K, V>> = [];
  private taker: ((w: Waiting<K, V> | null) => void) | undefined;
  private closed = false;

  constructor(
    private readonly capacity: number,
    private readonly retryAfterSec: number,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  get isFull(): boolean {
    return this.waiting.length >= this.capacity;
  }

  /**
   * Resolves with the record's outcome once the node has written it (or dead-lettered it).
   * `taken` is called when the node takes the record (the answer's Server-Timing splits there).
   */
  submit(envelope: Omit<SourceEnvelope<K, V>, 'settle'>, taken?: () => void): Promise<Outcome> {
    if (this.closed) return Promise.reject(this.stopping());
    if (!this.taker && this.isFull) return Promise.reject(this.full());
    return new Promise<Outcome>((settled) => {
      const w: Waiting<K, V> = { envelope: { ...envelope, settle: settled }, settled, taken };
      const taker = this.taker;
      this.taker = undefined;
      if (taker) {
        taken?.();
        taker(w);
      } else this.waiting.push(w);
    });
  }

  /** The next record for the node, or null once closed. */
  take(): Promise<SourceEnvelope<K, V> | null> {
    const w = this.waiting.shift();
    if (w) {
      w.taken?.();
      return Promise.resolve(w.envelope);
    }
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.taker = (t) => resolve(t?.envelope ?? null)));
  }

  /** No more submits; records not yet taken are refused with 503 (never written: the client retries). */
  close(): void {
    this.closed = true;
    this.taker?.(null);
    this.taker = undefined;
    for (const w of this.waiting.splice(0)) w.settled({ ok: false, error: this.stopping() });
  }

  private full(): HttpProblem {
    return new HttpProblem(503, 'INGEST_BUSY', 'Busy', `${this.capacity} images are already waiting to be written; try again after ${this.retryAfterSec} s`, { 'retry-after': String(this.retryAfterSec) });
  }

  private stopping(): HttpProblem {
    return new HttpProblem(503, 'INGEST_STOPPING', 'Stopping', 'this ingest node is shutting down and took nothing; try again (another instance will answer)', { 'retry-after': String(this.retryAfterSec), connection: 'close' });
  }
}
