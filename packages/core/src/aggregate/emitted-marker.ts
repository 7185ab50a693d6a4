import type { KeyValueStore } from '../state/key-value-store.js';

const MARK = 'emitted-through';

/**
 * How far an emit-final aggregation has emitted (a close time), kept in a change-logged store so
 * a restart does not emit those windows again. The store moves only once the final records it
 * covers are durable (forwarded, then acknowledged): moved at once, the marker could reach the
 * changelog before the records reached their topic (different partitions, sent independently),
 * and a crash in between lost those windows for good. A crash before it moves emits them again:
 * at least once.
 */
export class EmittedMarker {
  constructor(
    private readonly store: KeyValueStore<string, number>,
    /** ProcessorContext's `durable`: resolves once every write taken so far is acknowledged. */
    private readonly durable: () => Promise<void>,
  ) {}

  /** The close time through which every window is known emitted, as restored. */
  get(): number | undefined {
    return this.store.get(MARK);
  }

  /** Moves to `through` once every one of `outputs` is durable; never back, never after one failed. */
  moveAfter(outputs: readonly Promise<void>[], through: number): void {
    const move = (): void => {
      if (this.store.isOpen && through > (this.store.get(MARK) ?? Number.MIN_SAFE_INTEGER)) this.store.put(MARK, through);
    };
    if (outputs.length === 0) move();
    // A failed output is the runtime's to report; its windows stay unmarked.
    else Promise.all(outputs).then(this.durable).then(move, () => undefined);
  }
}
