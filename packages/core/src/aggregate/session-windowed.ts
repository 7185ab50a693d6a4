import { ConfigError } from '../errors/config-error.js';
import { stateful, type StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import { avro, type AvroSchema } from '../serde/avro/schema.js';
import { sessionStore } from '../state/session-store.js';
import type { StoreBuilder } from '../state/state-store.js';
import { keyValueStore } from '../state/stores.js';
import { toMillis } from '../types.js';
import type { SessionWindows } from '../windows/session.js';
import type { EmitMode, ValueOptions } from './aggregate-options.js';
import { countAggregation, foldAggregation, reduceAggregation, type Aggregation } from './aggregation.js';
import { checkName, storeFlags } from './key-aggregation.js';
import { SessionWindowAggregateProcessor } from './session-window-aggregate-processor.js';
import { cached } from './record-cache.js';
import { checkEmit, type TimeWindowedOptions } from './time-windowed.js';
import type { WindowAggregatePlan } from './time-window-aggregate-processor.js';
import type { Windowed } from './windowed-key.js';

/** A session aggregation's output value: in update mode a merged-away session is a tombstone (null). */
export type SessionValue<A, E extends EmitMode> = E extends 'final' ? A : A | null;

/**
 * Aggregations per key and session, made by `windowedBy(session(gap))` (Kafka Streams'
 * SessionWindowedKStream). Outputs are keyed by `Windowed<K>` with the session's first and last
 * record timestamps (`[start, end]`, both inclusive) and timestamped with its end. In update mode
 * (default) the value type includes null: when sessions merge, each merged-away session is
 * emitted as a tombstone, so the output topic's value schema must be `avro.nullable(...)`.
 * State is a change-logged session store named `name` (plus `<name>-final` for emit final).
 */
export class SessionWindowedAggregations {
  /** @internal */
  constructor(readonly windows: SessionWindows) {}

  count<K, V = unknown, E extends EmitMode = 'update'>(opts: TimeWindowedOptions<K, V, E>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, SessionValue<number, E>>> {
    return this.build('count', opts, avro.long(), countAggregation<K>());
  }

  /** `fn` also merges two sessions' aggregates when a record joins them. */
  reduce<K, V, E extends EmitMode = 'update'>(fn: (agg: V, value: V) => V, opts: TimeWindowedOptions<K, V, E> & ValueOptions<V>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, SessionValue<V, E>>> {
    return this.build('reduce', opts, opts.value, reduceAggregation<K, V>(fn));
  }

  /** `merge(a, b, key)` combines two sessions' aggregates when a record joins them (Kafka Streams' Merger). */
  aggregate<K, V, A, E extends EmitMode = 'update'>(
    init: () => A,
    fn: (agg: A, value: V, key: K) => A,
    opts: TimeWindowedOptions<K, V, E> & ValueOptions<A> & { readonly merge: (a: A, b: A, key: K) => A },
  ): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, SessionValue<A, E>>> {
    if (typeof opts.merge !== 'function') throw new ConfigError('aggregate over session windows: give merge(a, b, key) to combine two sessions when a record joins them');
    return this.build('aggregate', opts, opts.value, foldAggregation(init, fn, opts.merge));
  }

  private build<K, V, A, E extends EmitMode>(operator: string, opts: TimeWindowedOptions<K, V, E>, value: AvroSchema<A>, aggregation: Aggregation<K, V, A>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, SessionValue<A, E>>> {
    checkName(operator, opts.name);
    const w = this.windows;
    const emit = checkEmit(operator, opts.emit);
    const retention = opts.retention === undefined ? w.gapMs + w.graceMs : toMillis(opts.retention, `${operator} retention`);
    const plan: WindowAggregatePlan<K, V, A> = { operator: `${operator}(${opts.name})`, store: opts.name, marker: `${opts.name}-final`, emit, aggregation, timestamp: opts.timestamp, retentionMs: retention };
    const stores: StoreBuilder[] = [sessionStore(opts.name, { key: opts.key, value, retention, ...storeFlags(opts) })];
    if (emit === 'final') stores.push(keyValueStore(plan.marker, { key: avro.string(), value: avro.long(), ...storeFlags(opts) }));
    const op = stateful({ name: `windowed-${plan.operator}`, stores, get: cached(plan.operator, opts.cache, emit === 'final', () => new SessionWindowAggregateProcessor(w, plan)) });
    return op as unknown as StatefulOperator<Rec<K, V>, Rec<Windowed<K>, SessionValue<A, E>>>;
  }
}
