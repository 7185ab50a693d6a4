import {
  HeaderNames,
  PoisonRecordError,
  record,
  storeKeyId,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Rec,
  type SessionWindows,
} from '@vision-flow/core';
import { isFinal, type CollectEntry } from './collect-entry.js';
import type { CollectReason } from './collected.js';

/** What a CollectProcessor needs, settled when the operator is built. */
export interface CollectPlan {
  readonly partNames: readonly string[];
  /** Topic name → part name. */
  readonly partOfTopic: ReadonlyMap<string, string>;
  readonly isDone: (parts: { readonly [part: string]: unknown }) => boolean;
  readonly window: SessionWindows;
  /** The timeout in ms for the run's parameters; undefined for none. */
  readonly timeoutMs: (params: ProcessorContext<unknown>['params']) => number | undefined;
  /** How long (event time) a key with a result is remembered after its last part. */
  readonly retentionMs: number;
  readonly storeName: string;
}

type Out = Rec<unknown, unknown>;
type Parts = { readonly [part: string]: unknown };

/** One task's join of parts by key; see collectByKey for the contract. */
export class CollectProcessor implements Processor<Rec<unknown, unknown>, Out> {
  private ctx!: ProcessorContext<Out>;
  private store!: KeyValueStore<unknown, CollectEntry>;
  private timeoutMs: number | undefined;
  private startedAt = 0;
  /** Key id → the entry of the latest result not yet durable; only that result's settling marks the store. */
  private readonly inFlight = new Map<string, CollectEntry>();
  private readonly empty: Parts;

  constructor(private readonly plan: CollectPlan) {
    this.empty = Object.fromEntries(plan.partNames.map((p) => [p, null]));
  }

  init(ctx: ProcessorContext<Out>): void {
    this.ctx = ctx;
    this.timeoutMs = this.plan.timeoutMs(ctx.params);
    this.startedAt = ctx.wallClockTime();
    this.store = ctx.getStateStore(this.plan.storeName);
    const every = Math.max(1, Math.min(1000, Math.floor((this.timeoutMs ?? 4000) / 4)));
    ctx.schedule(every, 'wall-clock', (now) => this.sweep(now));
  }

  process(r: Rec<unknown, unknown>): void {
    const part = r.source ? this.plan.partOfTopic.get(r.source.topic) : undefined;
    if (!part) {
      const parts = [...this.plan.partOfTopic.keys()].join(', ');
      throw new PoisonRecordError('UNKNOWN_PART', `collectByKey got a record from ${r.source ? `topic "${r.source.topic}"` : 'no topic'}, which is none of its parts (${parts})`);
    }
    const prev = this.store.get(r.key);
    if (prev && (isFinal(prev) || this.plan.isDone(prev.parts) || prev.parts[part] != null)) {
      // A redelivered part, or one beyond a complete result: the result stands as it is.
      this.ctx.recordDropped(prev.parts[part] == null && !isFinal(prev) ? 'late' : 'duplicate', r);
      return;
    }
    const id = storeKeyId(r.key);
    const now = this.ctx.wallClockTime();
    // A part that comes after a partial result (sent, or still on its way) is late: it updates it.
    const late = prev !== undefined && (prev.partial || this.inFlight.has(id));
    const entry: CollectEntry = {
      parts: { ...(prev?.parts ?? this.empty), [part]: r.value },
      firstSeenAt: prev?.firstSeenAt ?? now,
      lastEventTime: Math.max(prev?.lastEventTime ?? -Infinity, r.timestamp),
      emitted: false,
      partial: late,
      headers: prev?.headers ?? carried(r.headers),
    };
    // Stored before the result is sent: this write belongs to the current input, so its offset is
    // committed only once the store knows the parts. A crash before the result is durable then
    // restores an entry that is sent again (a duplicate), never a partial result for lack of a
    // part whose offset is already committed.
    this.store.put(r.key, entry);
    if (late) this.emit(r.key, entry, 'late', r.timestamp, now);
    else if (this.plan.isDone(entry.parts)) this.emit(r.key, entry, 'complete', r.timestamp, now);
  }

  endOfInput(): void {
    const now = this.ctx.wallClockTime();
    for (const [key, entry] of [...this.store.all()]) {
      if (entry.emitted || this.inFlight.has(storeKeyId(key))) continue;
      const reason = entry.partial ? 'late' : this.plan.isDone(entry.parts) ? 'complete' : 'end-of-input';
      this.emit(key, entry, reason, entry.lastEventTime, now);
    }
  }

  close(): void {
    this.inFlight.clear();
  }

  private sweep(now: number): void {
    const streamTime = this.ctx.streamTime();
    const { window, retentionMs, isDone } = this.plan;
    for (const [key, entry] of [...this.store.all()]) {
      if (entry.emitted) {
        if (streamTime > entry.lastEventTime + Math.max(retentionMs, window.gapMs + window.graceMs)) this.store.delete(key);
        continue;
      }
      if (this.inFlight.has(storeKeyId(key))) continue;
      // Not emitted and nothing in flight: restored after a crash between a result and its marker.
      if (entry.partial) this.emit(key, entry, 'late', entry.lastEventTime, now);
      else if (isDone(entry.parts)) this.emit(key, entry, 'complete', entry.lastEventTime, now);
      // A join restored after a restart gets a full timeout again: its other part may be in the backlog.
      else if (this.timeoutMs !== undefined && now - Math.max(entry.firstSeenAt, this.startedAt) >= this.timeoutMs) this.emit(key, entry, 'timeout', entry.lastEventTime, now);
      else if (window.isClosed(entry.lastEventTime, streamTime)) this.emit(key, entry, 'window-closed', entry.lastEventTime, now);
    }
  }

  /**
   * Forwards the result, and only once it is durably written marks the entry as emitted: a crash
   * in between sends it again (a duplicate), never loses it. A later result of the same key
   * supersedes this one, and then only the later one marks the store.
   */
  private emit(key: unknown, entry: CollectEntry, reason: CollectReason, timestamp: number, now: number): void {
    const id = storeKeyId(key);
    this.inFlight.set(id, entry);
    const done = this.plan.isDone(entry.parts);
    const value = {
      parts: { ...this.empty, ...entry.parts },
      complete: (reason === 'complete' || reason === 'late') && done,
      missing: this.plan.partNames.filter((p) => entry.parts[p] == null),
      reason,
      firstSeenAt: entry.firstSeenAt,
      waitedMs: Math.max(0, now - entry.firstSeenAt),
    };
    const settled = (): boolean => {
      if (this.inFlight.get(id) !== entry) return false;
      this.inFlight.delete(id);
      return true;
    };
    // Marked once acknowledged, not once taken: see ProcessorContext's `durable`.
    this.ctx.forward(record({ key, value, timestamp, headers: entry.headers })).then(this.ctx.durable).then(
      () => {
        if (!settled() || !this.store.isOpen) return;
        // A complete result keeps only the marker; a partial one keeps its parts for late ones.
        this.store.put(key, done ? { ...entry, parts: this.empty, emitted: true, partial: false } : { ...entry, emitted: true, partial: true });
      },
      () => void settled(),
    );
  }
}

/** The headers that say whose record it is, so a later node can route by tenant and verify the token again. */
const CARRIED = [HeaderNames.tenant, HeaderNames.token];
function carried(headers: { readonly [name: string]: string }): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const name of CARRIED) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}
