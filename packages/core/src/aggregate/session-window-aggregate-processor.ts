import { LateRecordError } from '../errors/late-record-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { StreamRecord, type Rec } from '../records/record.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { SessionStore } from '../state/session-store.js';
import { storeKeyId } from '../state/store-key.js';
import type { SessionWindows } from '../windows/session.js';
import { EmittedMarker } from './emitted-marker.js';
import { Expiry } from './expiry.js';
import { eventTimeOf } from './event-time.js';
import type { WindowAggregatePlan } from './time-window-aggregate-processor.js';
import { updateOf } from './update-record.js';
import type { Windowed } from './windowed-key.js';

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

/**
 * Session windows as Kafka Streams' KStreamSessionWindowAggregate: a record at `t` joins every
 * session of its key that ends at or after `t - gap` and starts at or before `t + gap`; they merge
 * into one session `[min start, max end]` whose aggregate is the merge of theirs plus the record.
 * In update mode each merged-away session is emitted as a tombstone (null value) before the merged
 * session. A session is closed when `end + gap + grace < stream time` (strictly, as Kafka Streams):
 * a record whose merged session would be closed throws LateRecordError; emit final emits each
 * session once when it closes. Output timestamps are the session end.
 */
export class SessionWindowAggregateProcessor<K, V, A> implements Processor<Rec<K, V>, Rec<Windowed<K>, A | null>> {
  private ctx!: ProcessorContext<Rec<Windowed<K>, A | null>>;
  private store!: SessionStore<K, A>;
  private marker: EmittedMarker | undefined;
  private observed = -Infinity;
  private emittedThrough = MIN;
  /** End of the earliest session not emitted yet; MIN when unknown. */
  private earliestOpenEnd = MIN;

  constructor(
    private readonly windows: SessionWindows,
    private readonly plan: WindowAggregatePlan<K, V, A>,
  ) {}

  init(ctx: ProcessorContext<Rec<Windowed<K>, A | null>>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore(this.plan.store);
    if (this.plan.emit === 'final') {
      this.marker = new EmittedMarker(ctx.getStateStore<KeyValueStore<string, number>>(this.plan.marker), ctx.durable);
      this.emittedThrough = this.marker.get() ?? MIN;
    }
    const expiry = new Expiry(this.windows.gapMs, (t) => this.store.expire(t));
    ctx.schedule(1, 'stream-time', (t) => {
      const now = this.plan.timestamp ? this.observed : t;
      if (this.marker) this.emitClosed(now - this.windows.gapMs - this.windows.graceMs);
      expiry.at(now);
    });
  }

  process(rec: Rec<K, V>): void {
    if (rec.key === null || rec.key === undefined || rec.value === null || rec.value === undefined) return this.ctx.recordDropped('null-key-or-value', rec);
    const { gapMs, graceMs } = this.windows;
    const t = eventTimeOf(rec, this.plan.timestamp);
    this.observed = Math.max(this.observed, t);
    const streamTime = this.plan.timestamp ? this.observed : Math.max(this.ctx.streamTime(), t);
    const closeTime = streamTime - gapMs - graceMs;
    // Sessions past retention are gone for Kafka Streams even before its store drops them; here too.
    const overlapping = this.store.findSessions(rec.key, Math.max(t - gapMs, streamTime - this.plan.retentionMs + 1), t + gapMs);
    const start = Math.min(t, ...overlapping.map((s) => s.start));
    const end = Math.max(t, ...overlapping.map((s) => s.end));
    if (end < closeTime) throw new LateRecordError(this.plan.operator, { lateness: closeTime - end, windowEnd: end, streamTime });
    const { aggregation } = this.plan;
    let agg = aggregation.init();
    for (const s of overlapping) agg = aggregation.merge(rec.key, agg, s.value);
    if (start !== t || end !== t) {
      for (const s of overlapping) {
        this.store.remove({ key: rec.key, start: s.start, end: s.end });
        if (!this.marker) void this.ctx.forward(updateOf<Windowed<K>, A | null>(rec, { key: rec.key, start: s.start, end: s.end }, null, s.end));
      }
    }
    const value = aggregation.add(rec.key, rec.value, agg);
    this.store.put({ key: rec.key, start, end }, value);
    if (end < this.earliestOpenEnd) this.earliestOpenEnd = end;
    if (!this.marker) void this.ctx.forward(updateOf<Windowed<K>, A | null>(rec, { key: rec.key, start, end }, value, end));
  }

  /** Emit final: every session with `end < closeTime` not emitted yet, by end then key. */
  private emitClosed(closeTime: number, all = false): void {
    if (!all && (closeTime <= this.earliestOpenEnd || closeTime <= this.emittedThrough)) return;
    const candidates = this.store.fetchAll(this.emittedThrough === MIN ? MIN : this.emittedThrough, MAX);
    const closed = candidates.filter((s) => s.end >= this.emittedThrough && (all || s.end < closeTime));
    closed.sort((a, b) => a.end - b.end || a.start - b.start || cmp(storeKeyId(a.key), storeKeyId(b.key)));
    const outputs = closed.map((s) => this.ctx.forward(new StreamRecord({ key: { key: s.key, start: s.start, end: s.end }, value: s.value, timestamp: s.end })));
    const through = all ? Math.max(this.emittedThrough, ...closed.map((s) => s.end + 1)) : closeTime;
    if (closed.length > 0) this.marker?.moveAfter(outputs, through);
    this.emittedThrough = through;
    const open = candidates.filter((s) => s.end >= through);
    this.earliestOpenEnd = all ? MAX : open.reduce((min, s) => Math.min(min, s.end), MAX);
  }

  /** The end of a bounded input: every session not emitted yet is emitted now. */
  endOfInput(): void {
    if (this.marker) this.emitClosed(MAX, true);
  }

  close(): void {}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
