/**
 * Shared memory the inference pool copies frames into, one slot per frame it runs at once, re-used
 * for the pool's life. A frame posted as a plain Uint8Array is copied by structured clone into a
 * fresh buffer in the worker (page faults, zeroing, the worker's garbage); a view on a slot's
 * SharedArrayBuffer is not copied at all. One slot per in-flight place, never one per frame: a
 * SharedArrayBuffer per frame lived until the main thread's next full GC.
 */
export class FrameSlots {
  private readonly buffers: Array<SharedArrayBuffer | undefined>;
  private readonly free: number[];

  /** `count` slots; frames over `maxBytes` are not put in a slot (a slot never grows beyond it). */
  constructor(
    count: number,
    readonly maxBytes: number,
  ) {
    this.buffers = new Array<SharedArrayBuffer | undefined>(count).fill(undefined);
    this.free = Array.from({ length: count }, (_, i) => count - 1 - i);
  }

  /**
   * A free slot holding a copy of `pixels`, or undefined when the frame is too large or no slot
   * is free (the caller then posts the pixels as they are). Give the slot back once the worker answered.
   */
  put(pixels: Uint8Array): { readonly slot: number; readonly view: Uint8Array } | undefined {
    if (pixels.length > this.maxBytes || this.free.length === 0) return undefined;
    const slot = this.free.pop()!;
    let buffer = this.buffers[slot];
    if (!buffer || buffer.byteLength < pixels.length) {
      // Grown by a quarter more than asked, so a stream of slightly larger images does not re-allocate each time.
      buffer = new SharedArrayBuffer(Math.min(this.maxBytes, Math.ceil(pixels.length * 1.25)));
      this.buffers[slot] = buffer;
    }
    const view = new Uint8Array(buffer, 0, pixels.length);
    view.set(pixels);
    return { slot, view };
  }

  give(slot: number): void {
    this.free.push(slot);
  }
}
