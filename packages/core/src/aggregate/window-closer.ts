import type { KeyValueStore } from '../state/key-value-store.js';
import { storeKeyId } from '../state/store-key.js';
import type { WindowStore } from '../state/window-store.js';
import type { Timestamped } from './timestamped.js';

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;
const MARK = 'emitted-through';

/**
 * Emit final for the windows of a window store: each window once, when stream time reaches its
 * end + grace (Kafka Streams' onWindowClose), oldest first, then by key. Which windows were emitted
 * is kept as the close time reached so far in a change-logged marker store, so a restart does not
 * emit them again. Scans the store only when the earliest open window may have closed.
 */
export class WindowCloser<K, A> {
  private emittedThrough: number;
  /** End of the earliest window not yet emitted; MIN when unknown (after a restart). */
  private earliestOpenEnd = MIN;

  constructor(
    private readonly store: WindowStore<K, Timestamped<A>>,
    private readonly marker: KeyValueStore<string, number>,
    private readonly sizeMs: number,
    private readonly graceMs: number,
    private readonly emit: (key: K, start: number, end: number, agg: Timestamped<A>) => void,
  ) {
    this.emittedThrough = marker.get(MARK) ?? MIN;
  }

  /** A window ending at `end` was written: it may be the earliest open one. */
  opened(end: number): void {
    if (end < this.earliestOpenEnd) this.earliestOpenEnd = end;
  }

  /** Emits every window that stream time `streamTime` has closed and not emitted yet. */
  close(streamTime: number): void {
    const closeTime = streamTime - this.graceMs;
    if (closeTime < this.earliestOpenEnd || closeTime <= this.emittedThrough) return;
    this.emitRange(closeTime);
    const open = this.store.fetchAll(closeTime - this.sizeMs + 1, MAX);
    this.earliestOpenEnd = open.reduce((min, w) => Math.min(min, w.start + this.sizeMs), MAX);
  }

  /**
   * The end of a bounded input: every window not emitted yet is emitted now. The marker moves only
   * to the last end emitted, so if a later run continues the input, those windows emit again
   * when they really close.
   */
  closeAll(): void {
    const open = this.store.fetchAll(this.emittedThrough === MIN ? MIN : this.emittedThrough - this.sizeMs + 1, MAX - this.sizeMs);
    if (open.length === 0) return;
    this.emitRange(Math.max(...open.map((w) => w.start + this.sizeMs)));
    this.earliestOpenEnd = MAX;
  }

  private emitRange(closeTime: number): void {
    const from = this.emittedThrough === MIN ? MIN : this.emittedThrough - this.sizeMs + 1;
    const closed = this.store.fetchAll(from, closeTime - this.sizeMs);
    closed.sort((a, b) => a.start - b.start || compare(storeKeyId(a.key), storeKeyId(b.key)));
    for (const w of closed) this.emit(w.key, w.start, w.start + this.sizeMs, w.value);
    if (closed.length > 0) this.marker.put(MARK, closeTime);
    this.emittedThrough = closeTime;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
