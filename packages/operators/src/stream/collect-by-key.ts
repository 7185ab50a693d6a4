import type { SchedulerLike } from 'rxjs';
import {
  ConfigError,
  isParam,
  keyValueStore,
  resolveParam,
  session,
  stateful,
  toMillis,
  type AvroSchema,
  type Duration,
  type Param,
  type ParamOr,
  type Rec,
  type RecOfTopic,
  type SessionWindows,
  type StatefulOperator,
} from '@vision-flow/core';
import { collectEntrySchema, type CollectEntry } from './collect-entry.js';
import { CollectProcessor, type CollectPlan } from './collect-processor.js';
import type { Collected, CollectedParts, KeyOfTopic, PartTopics } from './collected.js';

export type { Collected, CollectedParts, CollectReason } from './collected.js';

export interface CollectByKeyOptions<P extends PartTopics> {
  /** Part name → the topic its records come from (the node must read all of them). */
  readonly parts: P;
  /** Parts of one key belong together while they come closer than the gap in event time. Default session('5m'). */
  readonly window?: SessionWindows;
  /** When a result is complete: all parts (default), any part, or a predicate. */
  readonly until?: 'all' | 'any' | ((parts: CollectedParts<P>) => boolean);
  /**
   * Emit a partial result this long (wall clock) after the first part if it is still incomplete;
   * may be a parameter. Joins restored after a restart get it in full again (their parts may be
   * in the backlog).
   */
  readonly timeout?: Duration | Param<string | number>;
  /**
   * How long (event time after a key's last part) a key that has a result is remembered: a part
   * arriving within it updates a partial result, or is dropped as a duplicate of a complete one.
   * Default 1h, and never less than the window's gap + grace.
   */
  readonly retention?: Duration;
  /** Store name; default `collect`. Its changelog is `<topology>.<node>.<store>.changelog`. */
  readonly store?: string;
  /** Clock of the timeout when used as plain RxJS (marble tests); inside a node the runtime's clock drives it. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Gathers, per key, one record from each of several topics (e.g. the objects and faces found in
 * one image) and emits them together when complete. When the timeout or the session window runs
 * out first it emits a partial result (`complete: false`, `missing` naming the absent parts), so a
 * late or failed detector never stalls the pipeline; a part that arrives later, within
 * `retention`, updates it (`reason: 'late'`, complete once every part is in). A key's results are
 * updates of one answer: the latest one is the best.
 *
 * Delivery is at-least-once: state lives in a change-logged store and a result is marked sent
 * only once it is durable, so a crash may repeat a result (never lose or degrade one). Results are
 * keyed by the join key, so a consumer keeps the latest per key (a compacted topic, a table).
 * A redelivered part never changes or repeats a result by itself. Results carry the first part's
 * `vf-tenant` and `vf-token` headers (whose record it is), so nodes after the join can route by
 * tenant and verify the token again; no other header is carried.
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
  const timeout = opts.timeout as ParamOr<string | number> | undefined;
  // A parameterised timeout is resolved by each processor from its context's parameters.
  const timeoutMs = (params: Parameters<CollectPlan['timeoutMs']>[0]): number | undefined =>
    timeout === undefined ? undefined : toMillis(resolveParam(timeout, params, 'collectByKey timeout') as Duration, 'collectByKey timeout');
  if (!isParam(timeout)) timeoutMs({}); // a bad literal fails when the pipe is built
  const until = opts.until ?? 'all';
  const plan: CollectPlan = {
    partNames,
    partOfTopic,
    isDone: (parts) =>
      until === 'all' ? partNames.every((p) => parts[p] != null) : until === 'any' ? partNames.some((p) => parts[p] != null) : until(parts as CollectedParts<P>),
    window: opts.window ?? session('5m'),
    timeoutMs,
    retentionMs: toMillis(opts.retention ?? '1h', 'collectByKey retention'),
    storeName: opts.store ?? 'collect',
  };
  const store = keyValueStore<unknown, CollectEntry>(plan.storeName, { key: topics[0]!.key as AvroSchema<unknown>, value: collectEntrySchema(plan.storeName, opts.parts) });
  type Out = Rec<KeyOfTopic<P[keyof P]>, Collected<P>>;
  const supplier = { name: 'collectByKey', stores: [store], get: () => new CollectProcessor(plan) };
  return stateful(supplier, opts.scheduler) as unknown as StatefulOperator<RecOfTopic<P[keyof P]>, Out>;
}
