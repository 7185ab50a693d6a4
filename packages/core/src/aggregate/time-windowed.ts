import { ConfigError } from '../errors/config-error.js';
import { stateful, type StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import { avro, type AvroSchema } from '../serde/avro/schema.js';
import type { StoreBuilder } from '../state/state-store.js';
import { keyValueStore, windowStore } from '../state/stores.js';
import type { HoppingWindows } from '../windows/hopping.js';
import type { SlidingWindows } from '../windows/sliding.js';
import type { TumblingWindows } from '../windows/tumbling.js';
import { toMillis } from '../types.js';
import type { AggregateOptions, EmitMode, ValueOptions, WindowedOptions } from './aggregate-options.js';
import { countAggregation, foldAggregation, reduceAggregation, type Aggregation } from './aggregation.js';
import type { EventTime } from './event-time.js';
import { checkName, storeFlags } from './key-aggregation.js';
import { cached } from './record-cache.js';
import { SlidingWindowAggregateProcessor } from './sliding-window-aggregate-processor.js';
import { TimeWindowAggregateProcessor, type WindowAggregatePlan } from './time-window-aggregate-processor.js';
import { timestampedSchema } from './timestamped.js';
import type { Windowed } from './windowed-key.js';

/** Options of one windowed aggregation over time windows. */
export type TimeWindowedOptions<K, V, E extends EmitMode> = AggregateOptions<K> & WindowedOptions<E> & {
  /** Event time of a record (default: its timestamp). */
  readonly timestamp?: EventTime<K, V>;
};

/**
 * Aggregations per key and time window (tumbling, hopping, sliding), made by `windowedBy(window)`
 * (Kafka Streams' TimeWindowedKStream). Each returns an operator whose outputs are keyed by
 * `Windowed<K>` (`{ key, start, end }`, Avro shape `windowedKey(keySchema)`) and timestamped with
 * the highest record timestamp in the window. State is a change-logged window store named `name`
 * (plus `<name>-final` for emit final).
 */
export class TimeWindowedAggregations {
  /** @internal */
  constructor(readonly windows: TumblingWindows | HoppingWindows | SlidingWindows) {}

  /** Counts records per key and window. */
  count<K, V = unknown, E extends EmitMode = 'update'>(opts: TimeWindowedOptions<K, V, E>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, number>> {
    return this.build('count', opts, avro.long(), countAggregation<K>());
  }

  /** Combines the values per key and window with `fn(aggregate, value)`; a window's first value starts it. */
  reduce<K, V, E extends EmitMode = 'update'>(fn: (agg: V, value: V) => V, opts: TimeWindowedOptions<K, V, E> & ValueOptions<V>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, V>> {
    return this.build('reduce', opts, opts.value, reduceAggregation<K, V>(fn));
  }

  /** Folds the values per key and window into `init()` with `fn(aggregate, value, key)`. */
  aggregate<K, V, A, E extends EmitMode = 'update'>(init: () => A, fn: (agg: A, value: V, key: K) => A, opts: TimeWindowedOptions<K, V, E> & ValueOptions<A>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, A>> {
    return this.build('aggregate', opts, opts.value, foldAggregation(init, fn));
  }

  private build<K, V, A>(operator: string, opts: TimeWindowedOptions<K, V, EmitMode>, value: AvroSchema<A>, aggregation: Aggregation<K, V, A>): StatefulOperator<Rec<K, V>, Rec<Windowed<K>, A>> {
    checkName(operator, opts.name);
    const w = this.windows;
    const emit = checkEmit(operator, opts.emit);
    const sizeMs = w.kind === 'sliding' ? w.timeDifferenceMs : w.sizeMs;
    const retentionMs = opts.retention === undefined ? defaultRetention(w) : toMillis(opts.retention, `${operator} retention`);
    const plan: WindowAggregatePlan<K, V, A> = { operator: `${operator}(${opts.name})`, store: opts.name, marker: `${opts.name}-final`, emit, aggregation, timestamp: opts.timestamp, retentionMs };
    const stores: StoreBuilder[] = [
      windowStore(opts.name, {
        key: opts.key,
        value: timestampedSchema(opts.name, value),
        windowSize: sizeMs,
        retention: retentionMs,
        ...storeFlags(opts),
      }),
    ];
    if (emit === 'final') stores.push(keyValueStore(plan.marker, { key: avro.string(), value: avro.long(), ...storeFlags(opts) }));
    const get = cached(plan.operator, opts.cache, emit === 'final', () => (w.kind === 'sliding' ? new SlidingWindowAggregateProcessor(w, plan) : new TimeWindowAggregateProcessor(w, plan)));
    return stateful({ name: `windowed-${plan.operator}`, stores, get });
  }
}

export function checkEmit(operator: string, emit: unknown): EmitMode {
  if (emit === undefined || emit === 'update' || emit === 'final') return emit ?? 'update';
  throw new ConfigError(`${operator}: emit must be 'update' or 'final', got ${JSON.stringify(emit)}`);
}

/**
 * How long a window stays after its end by default: the grace period (Kafka Streams' size + grace
 * in all); sliding windows keep one more time difference (Kafka Streams' grace + 2 × difference),
 * since a record seeds its windows from the windows of earlier records.
 */
function defaultRetention(w: TumblingWindows | HoppingWindows | SlidingWindows): number {
  return w.kind === 'sliding' ? w.graceMs + w.timeDifferenceMs : w.graceMs;
}
