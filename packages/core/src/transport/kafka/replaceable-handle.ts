import { delay } from '../../internal/delay.js';
import { CutOffWatch, CUT_OFF_STATS_INTERVAL_MS } from './cut-off-watch.js';

/**
 * The workaround for librdkafka #5301 (see cut-off-watch.ts) in one place: the consumer, reader,
 * producer and admin client each keep their librdkafka handle in one of these, which replaces it
 * when it has lost every broker for good. Once the upstream fix is in, this module and
 * cut-off-watch.ts go, and each client keeps a plain handle.
 */

/** Pause between attempts to connect a replacement handle while the cluster cannot be reached; ms. */
const RECONNECT_BACKOFF_MS = 1_000;

/** A librdkafka client that reports statistics, whose broker list shows a cut-off handle. */
export interface StatsEmitter {
  on(event: 'event.stats', listener: (stats: { message: string }) => void): unknown;
}

/** What differs between the clients that replace their handle. */
export interface HandleParts<H> {
  /**
   * A new handle: connected (a rejection is retried every second while the cluster is away), or one
   * that connects lazily (the admin client), which is returned at once and put in place at once.
   */
  open(): H | Promise<H>;
  /** Whether the owner is closing: no handle is replaced then, and no replacement is put in place. */
  closing(): boolean;
  /** Right when the handle is found cut off, before a new one connects: what the old one leaves behind. */
  cutOff?(old: H): void;
  /** Carries the owner's state over to the connected new handle; false when the owner dropped it instead (closing). */
  carryOver?(fresh: H, old: H): boolean | Promise<boolean>;
  /** Takes the old handle down (and fails what it held) once the new one is current. */
  retire(old: H): void;
}

/** A client's librdkafka config with the statistics the cut-off watch needs; a user setting wins. */
export function withCutOffStats<C extends object>(config: C): C {
  return { 'statistics.interval.ms': CUT_OFF_STATS_INTERVAL_MS, ...config };
}

/**
 * The current librdkafka handle of one client. A handle is live (its callbacks are acted on) from
 * when it becomes current until it is found cut off; while its replacement connects it stays
 * current, so calls go on reaching it, but its callbacks should only get librdkafka what it waits for.
 */
export class ReplaceableHandle<H extends StatsEmitter> {
  private handle: H | undefined;
  private live: H | undefined;
  private replacement: Promise<void> | undefined;
  private readonly watch = new CutOffWatch(() => this.replace());

  constructor(private readonly parts: HandleParts<H>) {}

  /** Puts the client's first handle in place. */
  start(first: H): void {
    this.use(first);
  }

  get current(): H {
    if (!this.handle) throw new Error('ReplaceableHandle: start() was not called');
    return this.handle;
  }

  /** Whether `native`'s callbacks are to be acted on: it is current and not found cut off. */
  isLive(native: H): boolean {
    return native === this.live;
  }

  /** The current handle was found cut off and a new one is being connected. */
  get stale(): boolean {
    return this.handle !== undefined && this.live === undefined;
  }

  /** The replacement under way, if any; it gives up once the owner is closing. */
  get replacing(): Promise<void> | undefined {
    return this.replacement;
  }

  private use(native: H): void {
    this.handle = this.live = native;
    native.on('event.stats', (s) => {
      if (native === this.live) this.watch.report(s.message);
    });
  }

  private replace(): void {
    if (this.replacement || this.parts.closing()) return;
    const old = this.current;
    this.live = undefined;
    this.parts.cutOff?.(old);
    let opened: H | Promise<H>;
    try {
      opened = this.parts.open();
    } catch (e) {
      opened = Promise.reject(e);
    }
    if (!(opened instanceof Promise)) return this.swap(opened, old);
    this.replacement = this.connect(opened, old).finally(() => {
      this.replacement = undefined;
    });
  }

  private async connect(first: Promise<H>, old: H): Promise<void> {
    const fresh = await this.reconnect(first);
    if (!fresh) return; // closing: the owner's close() takes the old handle down
    if (this.parts.carryOver && !(await this.parts.carryOver(fresh, old))) return;
    this.swap(fresh, old);
  }

  /** Tries `first`, then a new handle every RECONNECT_BACKOFF_MS while the cluster is away; undefined once closing. */
  private async reconnect(first: Promise<H>): Promise<H | undefined> {
    for (let attempt = first; ; attempt = Promise.resolve().then(() => this.parts.open())) {
      try {
        return await attempt;
      } catch {
        await delay(RECONNECT_BACKOFF_MS); // the cluster is still away
      }
      if (this.parts.closing()) return undefined;
    }
  }

  private swap(fresh: H, old: H): void {
    this.use(fresh);
    this.parts.retire(old);
  }
}
