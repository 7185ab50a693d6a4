import { TopologyError } from '../errors/topology-error.js';
import { checkPositiveInt } from '../options/check-positive-int.js';
import { toMillis, type Duration } from '../types.js';

/**
 * In what order a node may process records concurrently:
 * - `key` (default): records with the same key one after another, different keys in parallel;
 * - `partition`: one record at a time per input partition (Kafka Streams' order);
 * - `unordered`: any record in parallel with any other.
 * Offsets are committed in partition order whatever the choice.
 */
export type Ordering = 'key' | 'partition' | 'unordered';

export interface NodeOptions {
  /**
   * Records in flight in the whole node (taken from the input, outputs not yet acknowledged); the
   * node stops pulling at this count. Default 500, enough to keep acks=all writes streaming; lower it
   * for large records (images) or slow operators, where it bounds memory.
   */
  readonly maxInFlight?: number;
  /** Records in flight per input partition; the partition is paused at this count. Default maxInFlight. */
  readonly maxInFlightPerPartition?: number;
  readonly ordering?: Ordering;
  /**
   * How long a record may take through the node, retries included, before it is dead-lettered
   * with code RECORD_TIMEOUT and its in-flight slot freed (what it still does afterwards is
   * ignored; outputs it already wrote stay). Guards against an operator that never answers,
   * which would otherwise hold its partition's commit. Default none.
   */
  readonly recordTimeout?: Duration;
  /**
   * How often the node commits its input offsets (Kafka Streams' commit.interval.ms). Aggregations
   * with a `cache` emit their held-back updates at each commit, so this is also their update rate.
   * Default 1 s.
   */
  readonly commitInterval?: Duration;
}

export interface ResolvedNodeOptions {
  readonly maxInFlight: number;
  readonly maxInFlightPerPartition: number;
  readonly ordering: Ordering;
  readonly recordTimeoutMs: number | undefined;
  readonly commitIntervalMs: number | undefined;
}

export const DEFAULT_MAX_IN_FLIGHT = 500;

export function resolveNodeOptions(node: string, opts: NodeOptions = {}): ResolvedNodeOptions {
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const perPartition = opts.maxInFlightPerPartition ?? maxInFlight;
  for (const [name, v] of [['maxInFlight', maxInFlight], ['maxInFlightPerPartition', perPartition]] as const) {
    checkPositiveInt(v, name, `node "${node}"`, (m) => new TopologyError(m, { node }));
  }
  const ordering = opts.ordering ?? 'key';
  if (!['key', 'partition', 'unordered'].includes(ordering)) {
    throw new TopologyError(`node "${node}": ordering must be key, partition or unordered, got "${ordering}"`, { node });
  }
  return {
    maxInFlight,
    maxInFlightPerPartition: Math.min(perPartition, maxInFlight),
    ordering,
    recordTimeoutMs: opts.recordTimeout === undefined ? undefined : toMillis(opts.recordTimeout, `node "${node}" recordTimeout`),
    commitIntervalMs: opts.commitInterval === undefined ? undefined : toMillis(opts.commitInterval, `node "${node}" commitInterval`),
  };
}
