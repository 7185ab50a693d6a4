import {
  ConfigError,
  isParam,
  resolveParam,
  runtimeParams,
  type Param,
  type ParamOr,
  PoisonRecordError,
  avro,
  keyValueStore,
  record,
  session,
  stateful,
  storeKeyId,
  toMillis,
  type AnyTopic,
  type AvroSchema,
  type Duration,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Rec,
  type RecOfTopic,
  type SessionWindows,
  type StatefulOperator,
  type Topic,
} from '@vision-flow/core';

type PartTopics = { readonly [part: string]: AnyTopic };
type ValueOfTopic<T> = T extends Topic<infer _K, infer V> ? V : never;
type KeyOfTopic<T> = T extends Topic<infer K, infer _V> ? K : never;

/** The value collected so far for each part; null where that part never arrived. */
export type CollectedParts<P extends PartTopics> = { readonly [N in keyof P]: ValueOfTopic<P[N]> | null };

/** Why a result was emitted. */
export type CollectReason = 'complete' | 'timeout' | 'window-closed' | 'end-of-input';

export interface Collected<P extends PartTopics> {
  readonly parts: CollectedParts<P>;
  /** Whether `until` was met; false for partial results. */
  readonly complete: boolean;
  /** Names of the parts that never arrived. */
  readonly missing: readonly string[];
  readonly reason: CollectReason;
  /** Wall-clock time the first part arrived, and how long the result waited after it. */
  readonly firstSeenAt: number;
  readonly waitedMs: number;
}

export interface CollectByKeyOptions<P extends PartTopics> {
  /** Part name → the topic its records come from (the node must read all of them). */
  readonly parts: P;
  /** Parts of one key belong together while they come closer than the gap in event time. Default session('5m'). */
  readonly window?: SessionWindows;
  /** When a result is complete: all parts (default), any part, or a predicate. */
  readonly until?: 'all' | 'any' | ((parts: CollectedParts<P>) => boolean);
  /** Emit a partial result this long (wall clock) after the first part if it is still incomplete; may be a parameter. */
  readonly timeout?: Duration | Param<string | number>;
  /** How long (event time) an emitted key is remembered so late duplicates are dropped. Default 1h. */
  readonly dedupRetention?: Duration;
  /** Store name; default `collect`. Its changelog is `<topology>.<node>.<store>.changelog`. */
  readonly store?: string;
}

interface Entry {
  readonly parts: { readonly [part: string]: unknown };
  readonly firstSeenAt: number;
  readonly lastEventTime: number;
  /** A result was emitted; later parts are duplicates or late and are dropped. */
  readonly emitted: boolean;
}

/**
 * Gathers, per key, one record from each of several topics (e.g. the objects and faces found in
 * one image) and emits them together once, when complete, or as a partial result when the
 * timeout or session window runs out, so a late or failed detector never stalls the pipeline.
 * State lives in a change-logged store, and emitted keys are remembered, so replays after a
 * crash do not produce a second result: effectively-once per key on an at-least-once stream.
 *
 * When to use: the aggregate step of a fan-out, joining independent services' results by id.
 *
 * @example
 * n.from(objects, faces).pipe(collectByKey({ parts: { objects, faces }, window: session('30s'), timeout: '10s' }))
 * @see session
 */
export function collectByKey<const P extends PartTopics>(
  opts: CollectByKeyOptions<P>,
): StatefulOperator<RecOfTopic<P[keyof P]>, Rec<KeyOfTopic<P[keyof P]>, Collected<P>>> {
  const partNames = Object.keys(opts.parts);
  if (partNames.length === 0) throw new ConfigError('collectByKey: parts must name at least one topic, e.g. { objects, faces }');
  const topics = Object.values(opts.parts);
  const keyJson = JSON.stringify(topics[0]!.key.json);
  if (topics.some((t) => JSON.stringify(t.key.json) !== keyJson)) throw new ConfigError('collectByKey: every part topic must have the same key schema, since parts are matched by key');
  const partOfTopic = new Map(partNames.map((name) => [opts.parts[name]!.name, name]));
  if (partOfTopic.size !== partNames.length) throw new ConfigError('collectByKey: two parts read the same topic; give each part its own topic');
  const window = opts.window ?? session('5m');
  // A parameterised timeout is read when the first task starts, once the run's parameters are known.
  const timeoutOf = (): number | undefined =>
    opts.timeout === undefined ? undefined : toMillis(resolveParam(opts.timeout as ParamOr<string | number>, runtimeParams(), 'collectByKey timeout') as Duration, 'collectByKey timeout');
  if (!isParam(opts.timeout)) timeoutOf(); // a bad literal fails when the pipe is built
  const dedupMs = toMillis(opts.dedupRetention ?? '1h', 'collectByKey dedupRetention');
  const until = opts.until ?? 'all';
  const isDone = (parts: { readonly [p: string]: unknown }): boolean =>
    until === 'all' ? partNames.every((p) => parts[p] != null) : until === 'any' ? partNames.some((p) => parts[p] != null) : until(parts as CollectedParts<P>);
  const storeName = opts.store ?? 'collect';
  const safe = storeName.replace(/[^A-Za-z0-9_]/g, '_');
  const entrySchema = avro.record(`vision_flow.CollectEntry_${safe}`, {
    parts: avro.record(`vision_flow.CollectParts_${safe}`, Object.fromEntries(partNames.map((p) => [p, avro.nullable(opts.parts[p]!.value as AvroSchema<unknown>)]))),
    firstSeenAt: avro.long(),
    lastEventTime: avro.long(),
    emitted: avro.boolean(),
  }) as unknown as AvroSchema<Entry>;
  const builder = keyValueStore<unknown, Entry>(storeName, { key: topics[0]!.key as AvroSchema<unknown>, value: entrySchema });
  const empty = Object.fromEntries(partNames.map((p) => [p, null]));
  type Out = Rec<KeyOfTopic<P[keyof P]>, Collected<P>>;

  class CollectProcessor implements Processor<RecOfTopic<P[keyof P]>, Out> {
    private ctx!: ProcessorContext<Out>;
    private store!: KeyValueStore<unknown, Entry>;
    /** Keys whose result is on its way but whose "emitted" marker is not yet written. */
    private readonly emitting = new Set<string>();
    private timeoutMs: number | undefined;

    init(ctx: ProcessorContext<Out>): void {
      this.ctx = ctx;
      this.timeoutMs = timeoutOf();
      const timeoutMs = this.timeoutMs;
      this.store = ctx.getStateStore(storeName);
      const every = Math.max(50, Math.min(1000, Math.floor((timeoutMs ?? 4000) / 4)));
      ctx.schedule(every, 'wall-clock', (now) => this.sweep(now));
    }

    process(rec: RecOfTopic<P[keyof P]>): void {
      const r = rec as unknown as Rec<unknown, unknown>;
      const part = r.source ? partOfTopic.get(r.source.topic) : undefined;
      if (!part) {
        throw new PoisonRecordError('UNKNOWN_PART', `collectByKey got a record from ${r.source ? `topic "${r.source.topic}"` : 'no topic'}, which is none of its parts (${[...partOfTopic.keys()].join(', ')})`);
      }
      const id = storeKeyId(r.key);
      const prev = this.store.get(r.key);
      if (prev?.emitted || this.emitting.has(id)) {
        this.ctx.recordDropped(prev?.emitted && prev.parts[part] === undefined ? 'late' : 'duplicate', rec);
        return;
      }
      const now = this.ctx.wallClockTime();
      const entry: Entry = {
        parts: { ...(prev?.parts ?? empty), [part]: r.value },
        firstSeenAt: prev?.firstSeenAt ?? now,
        lastEventTime: Math.max(prev?.lastEventTime ?? -Infinity, r.timestamp),
        emitted: false,
      };
      // Stored even when complete: this write belongs to the current input, so its offset is committed
      // only once the complete entry is durable. If the process dies after the result is written but
      // before the "emitted" marker is, the restored entry is complete and is emitted again as it was
      // (a duplicate), not as a partial result after the timeout for want of a part that is committed.
      this.store.put(r.key, entry);
      if (isDone(entry.parts)) this.emit(r.key, entry, 'complete', r.timestamp, now);
    }

    endOfInput(): void {
      const now = this.ctx.wallClockTime();
      for (const [key, entry] of [...this.store.all()]) {
        if (!entry.emitted && !this.emitting.has(storeKeyId(key))) this.emit(key, entry, isDone(entry.parts) ? 'complete' : 'end-of-input', entry.lastEventTime, now);
      }
    }

    close(): void {
      this.emitting.clear();
    }

    private sweep(now: number): void {
      const streamTime = this.ctx.streamTime();
      for (const [key, entry] of [...this.store.all()]) {
        if (entry.emitted) {
          if (streamTime > entry.lastEventTime + Math.max(dedupMs, window.gapMs + window.graceMs)) this.store.delete(key);
          continue;
        }
        if (this.emitting.has(storeKeyId(key))) continue;
        // Complete but not marked emitted: restored after a crash between a result and its marker.
        if (isDone(entry.parts)) this.emit(key, entry, 'complete', entry.lastEventTime, now);
        else if (this.timeoutMs !== undefined && now - entry.firstSeenAt >= this.timeoutMs) this.emit(key, entry, 'timeout', entry.lastEventTime, now);
        else if (window.isClosed(entry.lastEventTime, streamTime)) this.emit(key, entry, 'window-closed', entry.lastEventTime, now);
      }
    }

    /**
     * Forwards the result, and only once it is durably written marks the key as emitted: a
     * crash in between replays the input and emits again (a duplicate), never loses the result.
     */
    private emit(key: unknown, entry: Entry, reason: CollectReason, timestamp: number, now: number): void {
      const id = storeKeyId(key);
      this.emitting.add(id);
      const missing = partNames.filter((p) => entry.parts[p] == null);
      const value: Collected<P> = {
        parts: { ...empty, ...entry.parts } as CollectedParts<P>,
        complete: reason === 'complete',
        missing,
        reason,
        firstSeenAt: entry.firstSeenAt,
        waitedMs: Math.max(0, now - entry.firstSeenAt),
      };
      const out = record({ key, value, timestamp }) as unknown as Out;
      this.ctx.forward(out).then(
        () => {
          if (this.store.isOpen) this.store.put(key, { parts: empty, firstSeenAt: entry.firstSeenAt, lastEventTime: entry.lastEventTime, emitted: true });
          this.emitting.delete(id);
        },
        () => this.emitting.delete(id),
      );
    }
  }

  return stateful({ name: 'collectByKey', stores: [builder], get: () => new CollectProcessor() });
}
