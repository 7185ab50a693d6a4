import { ConfigError } from '../errors/config-error.js';
import type { HoppingWindows } from '../windows/hopping.js';
import type { SessionWindows } from '../windows/session.js';
import type { SlidingWindows } from '../windows/sliding.js';
import type { TumblingWindows } from '../windows/tumbling.js';
import type { Windows } from '../windows/window.js';
import { SessionWindowedAggregations } from './session-windowed.js';
import { TimeWindowedAggregations } from './time-windowed.js';

/**
 * Aggregates per key and window: `windowedBy(window).count(opts)`, `.reduce(fn, opts)` or
 * `.aggregate(init, fn, opts)` (Kafka Streams' `groupByKey().windowedBy(...)`). The operator's
 * outputs are keyed by `{ key, start, end }`, whose Avro shape is `windowedKey(keySchema)`:
 *
 * - emit `'update'` (default): the window's new aggregate on every record it takes;
 * - emit `'final'`: each window once, when stream time reaches its end + grace (Kafka Streams'
 *   `emitStrategy(onWindowClose)`); at the end of a bounded input (`endOfInput`) every window
 *   still open is emitted too, since no later record can close it.
 *
 * A record is late when every window it falls in is closed (stream time ≥ end + grace; sessions:
 * > end + gap + grace): it is dead-lettered with code `LATE` and its lateness (LateRecordError).
 * A hopping or sliding record with some windows closed and some open updates the open ones and
 * counts each closed one as dropped (`late-window`). Records in one task are aggregated in the
 * order they are processed; state lives in change-logged stores restored on start.
 *
 * When to use: counts, sums or summaries per camera and minute (tumbling), moving totals
 * (hopping, sliding), activity sessions (session).
 *
 * @example
 * const counts = topic('counts', { key: windowedKey(avro.string()), value: avro.long() });
 * n.from(detections).pipe(
 *   windowedBy(tumbling('1m').grace('5s')).count({ name: 'counts', key: avro.string(), emit: 'final' }),
 * ).to(counts)
 * @see windowedKey
 */
export function windowedBy(windows: SessionWindows): SessionWindowedAggregations;
export function windowedBy(windows: TumblingWindows | HoppingWindows | SlidingWindows): TimeWindowedAggregations;
export function windowedBy(windows: Windows): SessionWindowedAggregations | TimeWindowedAggregations;
export function windowedBy(windows: Windows): SessionWindowedAggregations | TimeWindowedAggregations {
  if ((windows as { kind?: string } | undefined)?.kind === 'session') return new SessionWindowedAggregations(windows as SessionWindows);
  if (!windows || !['tumbling', 'hopping', 'sliding'].includes((windows as { kind?: string }).kind ?? '')) {
    throw new ConfigError('windowedBy: give tumbling(size), hopping(size).advanceBy(step), sliding(maxDiff) or session(gap)');
  }
  return new TimeWindowedAggregations(windows as TumblingWindows | HoppingWindows | SlidingWindows);
}
