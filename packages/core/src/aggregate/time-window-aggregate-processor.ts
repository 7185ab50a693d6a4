import { LateRecordError } from '../errors/late-record-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { StreamRecord, type Rec } from '../records/record.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { WindowStore } from '../state/window-store.js';
import type { FixedWindows } from '../windows/window.js';
import type { EmitMode } from './aggregate-options.js';
import type { Aggregation } from './aggregation.js';
import { Expiry } from './expiry.js';
import { eventTimeOf, type EventTime } from './event-time.js';
import type { Timestamped } from './timestamped.js';
import { updateOf } from './update-record.js';
import { EmittedMarker } from './emitted-marker.js';
import { WindowCloser } from './window-closer.js';
import type { Windowed } from './windowed-key.js';

export interface WindowAggregatePlan<K, V, A> {
  readonly operator: string;
  readonly store: string;
  /** Name of the emit-final marker store. */
  readonly marker: string;
  readonly emit: EmitMode;
  readonly aggregation: Aggregation<K, V, A>;
  readonly timestamp: EventTime<K, V> | undefined;
  /** How long windows stay in the store after their end; reads ignore windows past it, as Kafka Streams' stores do. */
  readonly retentionMs: number;
}

/**
 * Tumbling and hopping windows (Kafka Streams' KStreamWindowAggregate): a record updates every
 * window of its event time that is still open (end + grace > stream time). When all of them are
 * closed it throws LateRecordError before touching state; a closed window of a hopping record
 * that has open ones too is counted as dropped (`late-window`).
 */
export class TimeWindowAggregateProcessor<K, V, A> implements Processor<Rec<K, V>, Rec<Windowed<K>, A>> {
  private ctx!: ProcessorContext<Rec<Windowed<K>, A>>;
  private store!: WindowStore<K, Timestamped<A>>;
  private closer: WindowCloser<K, A> | undefined;
  private observed = -Infinity;

  constructor(
    private readonly windows: FixedWindows,
    private readonly plan: WindowAggregatePlan<K, V, A>,
  ) {}

  init(ctx: ProcessorContext<Rec<Windowed<K>, A>>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore(this.plan.store);
    if (this.plan.emit === 'final') {
      const marker = ctx.getStateStore<KeyValueStore<string, number>>(this.plan.marker);
      this.closer = new WindowCloser(this.store, new EmittedMarker(marker, ctx.durable), this.windows.sizeMs, this.windows.graceMs, (key, start, end, agg) =>
        ctx.forward(finalRecord(key, start, end, agg)));
    }
    // Stream-time punctuation moves only when every earlier input is done, so no window closes early.
    const expiry = new Expiry(this.windows.advanceMs, (t) => this.store.expire(t));
    ctx.schedule(1, 'stream-time', (t) => {
      const now = this.plan.timestamp ? this.observed : t;
      this.closer?.close(now);
      expiry.at(now);
    });
  }

  process(rec: Rec<K, V>): void {
    if (rec.key === null || rec.key === undefined || rec.value === null || rec.value === undefined) return this.ctx.recordDropped('null-key-or-value', rec);
    const t = eventTimeOf(rec, this.plan.timestamp);
    this.observed = Math.max(this.observed, t);
    const streamTime = this.plan.timestamp ? this.observed : Math.max(this.ctx.streamTime(), t);
    const windows = this.windows.windowsFor(t);
    if (windows.length === 0) return this.ctx.recordDropped('negative-timestamp', rec);
    const grace = this.windows.graceMs;
    const last = windows[windows.length - 1]!;
    if (last.end + grace <= streamTime) {
      throw new LateRecordError(this.plan.operator, { lateness: streamTime - (last.end + grace), windowEnd: last.end, streamTime });
    }
    for (const w of windows) {
      if (w.end + grace <= streamTime) {
        this.ctx.recordDropped('late-window', rec);
        continue;
      }
      const old = this.store.fetch(rec.key, w.start, w.start)[0]?.value;
      const value = this.plan.aggregation.add(rec.key, rec.value, old ? old.value : this.plan.aggregation.init());
      const timestamp = old ? Math.max(old.timestamp, t) : t;
      this.store.put(rec.key, { value, timestamp }, w.start);
      this.closer?.opened(rec.key, w.start);
      if (this.plan.emit === 'update') void this.ctx.forward(updateOf(rec, { key: rec.key, start: w.start, end: w.end }, value, timestamp));
    }
  }

  endOfInput(): void {
    this.closer?.closeAll();
  }

  close(): void {}
}

/** An emit-final output: timestamped with the highest record timestamp of its window. */
export function finalRecord<K, A>(key: K, start: number, end: number, agg: Timestamped<A>): Rec<Windowed<K>, A> {
  return new StreamRecord({ key: { key, start, end }, value: agg.value, timestamp: agg.timestamp });
}
