import { storeKeyId } from '../state/store-key.js';
import type { WindowStore } from '../state/window-store.js';
import type { EmittedMarker } from './emitted-marker.js';
import { MinHeap } from './min-heap.js';
import type { Timestamped } from './timestamped.js';

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

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
 * as the close time reached so far in a change-logged marker store (moved once the final records
 * are durable, see EmittedMarker), so a restart does not emit them again; after a restart the open
 * windows are read back from the store once.
 */
export class WindowCloser<K, A> {
  private emittedThrough: number;
  private readonly heap = new MinHeap<Pending<K>>(before);
  /** Windows in the heap: their starts by key id (no string is built per record to look one up). */
  private readonly waiting = new Map<string, Set<number>>();
  private loaded = false;

  constructor(
    private readonly store: WindowStore<K, Timestamped<A>>,
    private readonly marker: EmittedMarker,
    private readonly sizeMs: number,
    private readonly graceMs: number,
    /** Forwards a window's final record; resolves once the node took it (EmittedMarker waits for its acknowledgement). */
    private readonly emit: (key: K, start: number, end: number, agg: Timestamped<A>) => Promise<void>,
  ) {
    this.emittedThrough = marker.get() ?? MIN;
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
    const outputs: Promise<void>[] = [];
    let last: number | undefined;
    while (this.heap.size > 0) last = this.emitNext(outputs).end;
    if (last !== undefined) this.mark(last, outputs);
  }

  private emitThrough(closeTime: number): void {
    if (closeTime <= this.emittedThrough) return;
    this.load();
    const outputs: Promise<void>[] = [];
    let emitted = false;
    while (this.heap.size > 0 && this.heap.peek()!.end <= closeTime) {
      this.emitNext(outputs);
      emitted = true;
    }
    if (emitted) this.mark(closeTime, outputs);
    else this.emittedThrough = closeTime;
  }

  private emitNext(outputs: Promise<void>[]): Pending<K> {
    const w = this.heap.pop()!;
    const starts = this.waiting.get(w.id);
    starts?.delete(w.start);
    if (starts?.size === 0) this.waiting.delete(w.id);
    const agg = this.store.fetch(w.key, w.start, w.start)[0]?.value;
    if (agg) outputs.push(this.emit(w.key, w.start, w.end, agg));
    return w;
  }

  private mark(through: number, outputs: readonly Promise<void>[]): void {
    this.emittedThrough = through;
    this.marker.moveAfter(outputs, through);
  }

  /** After a (re)start: the windows not emitted yet are only in the store. */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const from = this.emittedThrough === MIN ? MIN : this.emittedThrough - this.sizeMs + 1;
    for (const w of this.store.fetchAll(from, MAX - this.sizeMs)) this.opened(w.key, w.start);
  }
}
