import type { KeyValueStore } from '../state/key-value-store.js';
import { storeKeyId } from '../state/store-key.js';
import type { WindowStore } from '../state/window-store.js';
import { MinHeap } from './min-heap.js';
import type { Timestamped } from './timestamped.js';

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;
const MARK = 'emitted-through';

interface Pending<K> {
  readonly end: number;
  readonly id: string;
  readonly key: K;
  readonly start: number;
}

const before = <K>(a: Pending<K>, b: Pending<K>): boolean => a.end < b.end || (a.end === b.end && a.id < b.id);

/**
 * Emit final for the windows of a window store: each window once, when stream time reaches its
 * end + grace (Kafka Streams' onWindowClose), in order of end, then key. Open windows wait in a
 * heap by end, so closing costs only the windows that close. Which windows were emitted is kept
 * as the close time reached so far in a change-logged marker store, so a restart does not emit
 * them again; after a restart the open windows are read back from the store once.
 */
export class WindowCloser<K, A> {
  private emittedThrough: number;
  private readonly heap = new MinHeap<Pending<K>>(before);
  /** Windows in the heap: their starts by key id (no string is built per record to look one up). */
  private readonly waiting = new Map<string, Set<number>>();
  private loaded = false;

  constructor(
    private readonly store: WindowStore<K, Timestamped<A>>,
    private readonly marker: KeyValueStore<string, number>,
    private readonly sizeMs: number,
    private readonly graceMs: number,
    private readonly emit: (key: K, start: number, end: number, agg: Timestamped<A>) => void,
  ) {
    this.emittedThrough = marker.get(MARK) ?? MIN;
  }

  /** The window of `key` starting at `start` was written. */
  opened(key: K, start: number): void {
    const id = storeKeyId(key);
    let starts = this.waiting.get(id);
    if (!starts) this.waiting.set(id, (starts = new Set()));
    if (starts.has(start)) return;
    starts.add(start);
    this.heap.push({ end: start + this.sizeMs, id, key, start });
  }

  /** Emits every window that stream time `streamTime` has closed and not emitted yet. */
  close(streamTime: number): void {
    this.emitThrough(streamTime - this.graceMs);
  }

  /**
   * The end of a bounded input: every window not emitted yet is emitted now. The marker moves only
   * to the last end emitted, so if a later run continues the input, those windows emit again
   * when they really close.
   */
  closeAll(): void {
    this.load();
    let last: number | undefined;
    while (this.heap.size > 0) last = this.emitNext().end;
    if (last !== undefined) this.mark(last);
  }

  private emitThrough(closeTime: number): void {
    if (closeTime <= this.emittedThrough) return;
    this.load();
    let emitted = false;
    while (this.heap.size > 0 && this.heap.peek()!.end <= closeTime) {
      this.emitNext();
      emitted = true;
    }
    if (emitted) this.mark(closeTime);
    else this.emittedThrough = closeTime;
  }

  private emitNext(): Pending<K> {
    const w = this.heap.pop()!;
    const starts = this.waiting.get(w.id);
    starts?.delete(w.start);
    if (starts?.size === 0) this.waiting.delete(w.id);
    const agg = this.store.fetch(w.key, w.start, w.start)[0]?.value;
    if (agg) this.emit(w.key, w.start, w.end, agg);
    return w;
  }

  private mark(through: number): void {
    this.emittedThrough = through;
    this.marker.put(MARK, through);
  }

  /** After a (re)start: the windows not emitted yet are only in the store. */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const from = this.emittedThrough === MIN ? MIN : this.emittedThrough - this.sizeMs + 1;
    for (const w of this.store.fetchAll(from, MAX - this.sizeMs)) this.opened(w.key, w.start);
  }
}
