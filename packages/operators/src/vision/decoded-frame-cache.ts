// Imports nothing from @vision-flow/core: inference workers use it (see inference-worker.ts).
import { createHash } from 'node:crypto';
import { FRAME_CHANNELS, type DecodedPixels, type EncodedFrame } from './frame.js';

/** The shared memory of one cache: made by the pool, handed to each of its workers. */
export interface FrameCacheMemory {
  readonly index: SharedArrayBuffer;
  readonly slots: readonly SharedArrayBuffer[];
}

export interface FrameCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Frames too large for a slot, or decoded while every slot was being read or written. */
  readonly uncached: number;
}

/** What a worker finds in the cache for a frame. */
export type FrameLookup =
  /** Decoded by another worker: the pixels stay valid until `release()`. */
  | { readonly kind: 'hit'; readonly pixels: DecodedPixels; release(): void }
  /** Another worker is decoding it now: look again when `settled` does. */
  | { readonly kind: 'decoding'; readonly settled: Promise<unknown> }
  /** Nobody has it: decode it, and fill the reservation (if any) for the others. */
  | { readonly kind: 'miss'; readonly reservation: FrameReservation | undefined };

/** A slot this worker decodes into; exactly one of `fill`, `filled` and `abandon` is called. */
export interface FrameReservation {
  /** The slot's memory, to decode into in place (then `filled`). */
  readonly memory: Buffer;
  /** Copies the pixels into the slot and shares them. */
  fill(pixels: DecodedPixels): void;
  /** Shares pixels decoded into `memory`, and holds them for this worker until `release()`. */
  filled(pixels: DecodedPixels): { readonly pixels: DecodedPixels; release(): void };
  abandon(): void;
}

// Index layout (Int32): a lock, a use clock, three counters, then one record per slot.
const LOCK = 0;
const CLOCK = 1;
const HITS = 2;
const MISSES = 3;
const UNCACHED = 4;
const HEADER = 5;
// Per slot: state, readers, last use, the key (sha1: 5 words), data width, height, byte length.
const STATE = 0;
const READERS = 1;
const LAST_USE = 2;
const KEY = 3;
const KEY_WORDS = 5;
const DATA_WIDTH = KEY + KEY_WORDS;
const DATA_HEIGHT = DATA_WIDTH + 1;
const BYTES = DATA_HEIGHT + 1;
const SLOT_WORDS = BYTES + 1;

/** In Node since 16; TypeScript's lib has it from es2024 on. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

const EMPTY = 0;
const WRITING = 1;
const READY = 2;

/**
 * Decoded frames shared by the inference workers of one pool, so an image that goes through two
 * models (the image pipeline's objects and faces nodes) is decoded once, whichever worker gets it
 * second. Frames are keyed by a hash of their encoded bytes and decoding options. Each slot is a
 * SharedArrayBuffer of `slotBytes`; only the pages a frame touches become resident. A slot that a
 * worker is reading is never overwritten; the least recently used free slot takes the next frame.
 * A miss (or a frame larger than a slot) decodes as before: the cache only saves work.
 */
export class DecodedFrameCache {
  private readonly index: Int32Array;
  private readonly slots: readonly SharedArrayBuffer[];

  constructor(memory: FrameCacheMemory) {
    this.index = new Int32Array(memory.index);
    this.slots = memory.slots;
  }

  /** Shared memory for `slots` frames of at most `slotBytes` each. */
  static allocate(slots: number, slotBytes: number): FrameCacheMemory {
    return {
      index: new SharedArrayBuffer((HEADER + slots * SLOT_WORDS) * Int32Array.BYTES_PER_ELEMENT),
      slots: Array.from({ length: slots }, () => new SharedArrayBuffer(slotBytes)),
    };
  }

  /** The key of a frame's pixels: its bytes and every option that shapes the decode. */
  static keyOf(frame: EncodedFrame): Int32Array {
    const h = createHash('sha1');
    h.update(frame.encoded);
    h.update(JSON.stringify(frame.decoding));
    const digest = h.digest();
    return new Int32Array(digest.buffer.slice(digest.byteOffset, digest.byteOffset + KEY_WORDS * 4));
  }

  stats(): FrameCacheStats {
    return { hits: Atomics.load(this.index, HITS), misses: Atomics.load(this.index, MISSES), uncached: Atomics.load(this.index, UNCACHED) };
  }

  /**
   * The frame's pixels if a worker decoded them already (held until `release()`); else, when
   * another worker is decoding it right now, a promise that settles when it is done (look again
   * then); else a slot reserved for this worker's decode, if one is free.
   */
  acquire(frame: EncodedFrame, key: Int32Array, bytes: number): FrameLookup {
    const found = this.locked((): FrameLookup | number => {
      for (let s = 0; s < this.slots.length; s++) {
        const base = HEADER + s * SLOT_WORDS;
        const state = this.index[base + STATE];
        if (state === EMPTY || !this.keyAt(base, key)) continue;
        if (state === WRITING) return { kind: 'decoding', settled: this.settled(base) };
        this.index[base + READERS]! += 1;
        this.index[base + LAST_USE] = this.tick();
        return s;
      }
      const slot = bytes <= this.slotBytes() ? this.claim(key) : undefined;
      return { kind: 'miss', reservation: slot === undefined ? undefined : this.reservation(slot) };
    });
    if (typeof found !== 'number') {
      if (found.kind === 'miss') Atomics.add(this.index, found.reservation ? MISSES : UNCACHED, 1);
      return found;
    }
    Atomics.add(this.index, HITS, 1);
    const base = HEADER + found * SLOT_WORDS;
    const dataWidth = this.index[base + DATA_WIDTH]!;
    const dataHeight = this.index[base + DATA_HEIGHT]!;
    const data = Buffer.from(this.slots[found]!, 0, this.index[base + BYTES]!);
    return { kind: 'hit', pixels: { width: frame.width, height: frame.height, data, dataWidth, dataHeight }, release: this.releaser(base) };
  }

  /** Ends one reader's hold on the slot at `base`, once however often it is called. */
  private releaser(base: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.locked(() => void (this.index[base + READERS]! -= 1));
    };
  }

  /** A reserved slot: filled with the decoded pixels, or given up when the decode failed. */
  private reservation(slot: number): FrameReservation {
    const base = HEADER + slot * SLOT_WORDS;
    let done = false;
    const finish = (fill: (() => void) | undefined): boolean => {
      if (done) return false;
      done = true;
      this.locked(() => {
        fill?.();
        this.index[base + STATE] = fill ? READY : EMPTY;
      });
      Atomics.notify(this.index, base + STATE);
      return true;
    };
    const describe = (pixels: DecodedPixels, bytes: number): void => {
      this.index[base + DATA_WIDTH] = pixels.dataWidth;
      this.index[base + DATA_HEIGHT] = pixels.dataHeight;
      this.index[base + BYTES] = bytes;
    };
    const memory = Buffer.from(this.slots[slot]!);
    return {
      memory,
      fill: (pixels) => {
        const bytes = pixels.dataWidth * pixels.dataHeight * FRAME_CHANNELS;
        if (bytes > pixels.data.length || bytes > this.slotBytes()) return void finish(undefined);
        memory.set(pixels.data.subarray(0, bytes));
        finish(() => describe(pixels, bytes));
      },
      filled: (pixels) => {
        const bytes = pixels.dataWidth * pixels.dataHeight * FRAME_CHANNELS;
        if (pixels.data.buffer !== memory.buffer || pixels.data.byteOffset !== 0 || bytes > pixels.data.length) {
          throw new Error('DecodedFrameCache: filled() takes pixels decoded into the reservation\'s memory; use fill() for others');
        }
        // Held like a hit from the moment it is shared: no other worker may claim the slot while this one reads it.
        const shared = finish(() => {
          describe(pixels, bytes);
          this.index[base + READERS]! += 1;
        });
        if (!shared) throw new Error('DecodedFrameCache: this reservation was already filled or abandoned');
        return { pixels, release: this.releaser(base) };
      },
      abandon: () => finish(undefined),
    };
  }

  /** Settles when the slot at `base` is no longer being written (or after a second, whatever happened to its writer). */
  private settled(base: number): Promise<unknown> {
    const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.index, base + STATE, WRITING, 1_000);
    return wait.async ? wait.value : Promise.resolve();
  }

  private slotBytes(): number {
    return this.slots[0]?.byteLength ?? 0;
  }

  /** The least recently used slot nobody reads or writes, marked as being written with `key` (holding the lock). */
  private claim(key: Int32Array): number | undefined {
    const now = this.index[CLOCK]!;
    let best: number | undefined;
    let bestAge = -1;
    for (let s = 0; s < this.slots.length; s++) {
      const base = HEADER + s * SLOT_WORDS;
      const state = this.index[base + STATE]!;
      if (state === WRITING || this.index[base + READERS]! > 0) continue;
      // Ticks since its last use, unsigned so that the clock may wrap around.
      const age = state === EMPTY ? 2 ** 32 : (now - this.index[base + LAST_USE]!) >>> 0;
      if (age > bestAge) {
        best = s;
        bestAge = age;
      }
    }
    if (best === undefined) return undefined;
    const base = HEADER + best * SLOT_WORDS;
    this.index[base + STATE] = WRITING;
    this.index[base + LAST_USE] = this.tick();
    for (let k = 0; k < KEY_WORDS; k++) this.index[base + KEY + k] = key[k]!;
    return best;
  }

  private keyAt(base: number, key: Int32Array): boolean {
    for (let k = 0; k < KEY_WORDS; k++) if (this.index[base + KEY + k] !== key[k]) return false;
    return true;
  }

  private tick(): number {
    this.index[CLOCK] = (this.index[CLOCK]! + 1) | 0;
    return this.index[CLOCK]!;
  }

  /** Runs `fn` holding the index lock: a few dozen loads and stores, so a spin is cheaper than a wait. */
  private locked<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.index, LOCK, 0, 1) !== 0) {
      // another worker holds it for a few hundred nanoseconds
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.index, LOCK, 0);
    }
  }
}
