import { LateRecordError } from '../errors/late-record-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import type { Rec } from '../records/record.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { WindowStore } from '../state/window-store.js';
import type { SlidingWindows } from '../windows/sliding.js';
import { Expiry } from './expiry.js';
import { eventTimeOf } from './event-time.js';
import { finalRecord, type WindowAggregatePlan } from './time-window-aggregate-processor.js';
import type { Timestamped } from './timestamped.js';
import { EmittedMarker } from './emitted-marker.js';
import { WindowCloser } from './window-closer.js';
import { updateOf } from './update-record.js';
import type { Windowed } from './windowed-key.js';

/** A window's aggregate before the record is added; `value` undefined = a new window of a reduce. */
type Existing<A> = { readonly value: A | undefined; readonly timestamp: number };

/**
 * Sliding windows as Kafka Streams' KStreamSlidingWindowAggregate computes them: windows
 * `[start, start + d]` (both ends inclusive) exist only where the set of records in them changes,
 * that is a left window `[t - d, t]` ending at each record and a right window `[t + 1, t + 1 + d]`
 * after it when later records fall in it. A record updates every existing window it falls in,
 * creates its own left window (seeded from the previous record's windows), the previous record's
 * right window, and its own right window. Records before `d` (event time from 0) go through the
 * combined window `[0, d]`, as in Kafka Streams' processEarly. A record is late when even its right
 * window is closed (`t + 1 + d + grace <= stream time`); a window closes once `end + grace < stream
 * time`, since its end is inclusive.
 */
export class SlidingWindowAggregateProcessor<K, V, A> implements Processor<Rec<K, V>, Rec<Windowed<K>, A>> {
  private ctx!: ProcessorContext<Rec<Windowed<K>, A>>;
  private store!: WindowStore<K, Timestamped<A>>;
  private closer: WindowCloser<K, A> | undefined;
  private observed = -Infinity;
  /** Stream time of the record being processed. */
  private streamTime = -Infinity;
  private readonly d: number;

  constructor(
    private readonly windows: SlidingWindows,
    private readonly plan: WindowAggregatePlan<K, V, A>,
  ) {
    this.d = windows.timeDifferenceMs;
  }

  init(ctx: ProcessorContext<Rec<Windowed<K>, A>>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore(this.plan.store);
    if (this.plan.emit === 'final') {
      const marker = ctx.getStateStore<KeyValueStore<string, number>>(this.plan.marker);
      this.closer = new WindowCloser(this.store, new EmittedMarker(marker, ctx.durable), this.d, this.windows.graceMs, (key, start, end, agg) => ctx.forward(finalRecord(key, start, end, agg)));
    }
    const expiry = new Expiry(this.d, (t) => this.store.expire(t));
    ctx.schedule(1, 'stream-time', (t) => {
      const now = this.plan.timestamp ? this.observed : t;
      this.closer?.close(now - 1); // inclusive ends: closed once end + grace < stream time
      expiry.at(now);
    });
  }

  process(rec: Rec<K, V>): void {
    if (rec.key === null || rec.key === undefined || rec.value === null || rec.value === undefined) return this.ctx.recordDropped('null-key-or-value', rec);
    const t = eventTimeOf(rec, this.plan.timestamp);
    if (t < 0) return this.ctx.recordDropped('negative-timestamp', rec);
    this.observed = Math.max(this.observed, t);
    const streamTime = this.plan.timestamp ? this.observed : Math.max(this.ctx.streamTime(), t);
    this.streamTime = streamTime;
    const closeTime = streamTime - this.windows.graceMs;
    const rightEnd = t + 1 + this.d;
    if (rightEnd <= closeTime) throw new LateRecordError(this.plan.operator, { lateness: closeTime - rightEnd, windowEnd: rightEnd, streamTime });
    if (t < this.d) this.processEarly(rec, t, closeTime);
    else this.processReverse(rec, t, closeTime);
  }

  /**
   * Kafka Streams' processReverse (the path its in-memory and RocksDB stores take): the key's
   * windows from the latest start back, updating those the record falls in.
   */
  private processReverse(rec: Rec<K, V>, t: number, closeTime: number): void {
    const starts = new Set<number>();
    let leftAgg: Timestamped<A> | undefined;
    let rightAgg: Timestamped<A> | undefined;
    let leftExists = false;
    let rightExists = false;
    let previous: number | undefined;
    // Windows past retention are gone for Kafka Streams even before its store drops them; here too.
    const live = this.streamTime - this.plan.retentionMs - this.d + 1;
    const found = this.store.fetch(rec.key, Math.max(0, t - 2 * this.d, live), t + 1);
    for (let i = found.length - 1; i >= 0; i--) {
      const w = found[i]!;
      starts.add(w.start);
      const end = w.start + this.d;
      if (w.start === t + 1) {
        rightExists = true;
      } else if (end > t) {
        rightAgg ??= w.value;
        this.update(rec, w.start, w.value, t, closeTime);
      } else if (end === t) {
        leftExists = true;
        this.update(rec, w.start, w.value, t, closeTime);
        // A record at the left window's latest time has created every other window already.
        if (w.value.timestamp >= t) return;
        previous = w.value.timestamp;
      } else {
        leftAgg = w.value;
        previous = w.value.timestamp;
        break;
      }
    }
    // The previous record's right window, if it is missing and this record falls in it.
    if (previous !== undefined && !starts.has(previous + 1) && previous + 1 + this.d >= t) this.update(rec, previous + 1, this.fresh(t), t, closeTime);
    if (!leftExists) {
      const seeded = previous !== undefined && t - this.d <= previous && leftAgg ? { value: leftAgg.value, timestamp: t } : this.fresh(t);
      this.update(rec, t - this.d, seeded, t, closeTime);
    }
    if (!rightExists && rightAgg && rightAgg.timestamp > t) this.createRight(rec, t, rightAgg);
  }

  private processEarly(rec: Rec<K, V>, t: number, closeTime: number): void {
    const starts = new Set<number>();
    let combined: Timestamped<A> | undefined;
    let rightAgg: Timestamped<A> | undefined;
    let rightExists = false;
    let previous: number | undefined;
    for (const w of this.store.fetch(rec.key, Math.max(0, this.streamTime - this.plan.retentionMs - this.d + 1), t + 1)) {
      starts.add(w.start);
      if (w.start === 0) {
        combined = w.value;
        if (w.value.timestamp < t) previous = w.value.timestamp;
      } else if (w.start <= t) {
        rightAgg = w.value;
        this.update(rec, w.start, w.value, t, closeTime);
      } else if (w.start === t + 1) {
        rightExists = true;
      } else {
        throw new Error(`${this.plan.operator}: unexpected sliding window [${w.start}, ${w.start + this.d}] for an early record at ${t}`);
      }
    }
    // The combined window [0, d] then holds only records after this one: they seed its right window.
    if (!rightAgg && combined && combined.timestamp > t) rightAgg = combined;
    if (!rightExists && rightAgg && rightAgg.timestamp > t) this.createRight(rec, t, rightAgg);
    if (previous !== undefined && !starts.has(previous + 1)) this.update(rec, previous + 1, this.fresh(t), t, closeTime);
    this.update(rec, 0, combined ?? this.fresh(t), t, closeTime);
  }

  private fresh(t: number): Existing<A> {
    return { value: this.plan.aggregation.init(), timestamp: t };
  }

  /** Adds the record to the window starting at `start` if it is still open. */
  private update(rec: Rec<K, V>, start: number, existing: Existing<A>, t: number, closeTime: number): void {
    const end = start + this.d;
    // Both ends are inclusive: a window takes records while end + grace >= stream time.
    if (end < closeTime) return this.ctx.recordDropped('late-window', rec);
    const value = this.plan.aggregation.add(rec.key, rec.value, existing.value);
    const timestamp = existing.value === undefined ? t : Math.max(t, existing.timestamp);
    this.write(rec, start, { value, timestamp });
  }

  /** The record's right window holds exactly the later records of the window it was seeded from. */
  private createRight(rec: Rec<K, V>, t: number, agg: Timestamped<A>): void {
    this.write(rec, t + 1, agg);
  }

  private write(rec: Rec<K, V>, start: number, agg: Timestamped<A>): void {
    this.store.put(rec.key, agg, start);
    this.closer?.opened(rec.key, start);
    if (this.plan.emit === 'update') void this.ctx.forward(updateOf(rec, { key: rec.key, start, end: start + this.d }, agg.value, agg.timestamp));
  }

  endOfInput(): void {
    this.closer?.closeAll();
  }

  close(): void {}
}
