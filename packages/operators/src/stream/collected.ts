import type { AnyTopic, Topic } from '@vision-flow/core';

/** Part name → the topic its records come from. */
export type PartTopics = { readonly [part: string]: AnyTopic };
export type ValueOfTopic<T> = T extends Topic<infer _K, infer V> ? V : never;
export type KeyOfTopic<T> = T extends Topic<infer K, infer _V> ? K : never;

/** The value collected so far for each part; null where that part has not arrived. */
export type CollectedParts<P extends PartTopics> = { readonly [N in keyof P]: ValueOfTopic<P[N]> | null };

/**
 * Why a result was emitted:
 * - `complete`: every part (as `until` defines) arrived in time; the first and only result.
 * - `timeout`: the timeout ran out first; a partial result (`complete: false`).
 * - `window-closed`: stream time passed the session's end first; a partial result.
 * - `end-of-input`: a bounded run ended first; a partial result.
 * - `late`: an update of an earlier partial result for the same key, made when more parts arrived
 *   after it; `complete` says whether it is now complete, `missing` what is still missing.
 */
export type CollectReason = 'complete' | 'timeout' | 'window-closed' | 'end-of-input' | 'late';

/** One result of `collectByKey`. Several results of one key are updates: the latest is the best. */
export interface Collected<P extends PartTopics> {
  readonly parts: CollectedParts<P>;
  /** Whether `until` is met; false for partial results. */
  readonly complete: boolean;
  /** Names of the parts that have not arrived. */
  readonly missing: readonly string[];
  readonly reason: CollectReason;
  /** Wall-clock time the first part arrived, and how long the result waited after it. */
  readonly firstSeenAt: number;
  readonly waitedMs: number;
}
