import type { SchedulerLike } from 'rxjs';
import type { Params } from '../../dsl/operator-context.js';
import type { RunResources } from '../../dsl/run-resources.js';
import type { NodeDefinition, Topology } from '../../dsl/topology.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import type { RetryOptions } from '../../retry/retry.js';
import type { SchemaRegistry } from '../../serde/avro/schema-registry.js';
import type { Transport } from '../../transport/transport.js';

/** What a node runner is given: the node, where it runs, and its timings (defaults in the comments). */
export interface NodeRunnerOptions {
  readonly topology: Topology;
  readonly node: NodeDefinition;
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  readonly emitter: InstrumentationEmitter;
  readonly params?: Params;
  /** Folder model files are read from; operators find it in their context. */
  readonly modelDir?: string | undefined;
  /** What the run's operators share (the TopologyRunner's; it closes them after its last node stops). */
  readonly resources: RunResources;
  /** Folder persistent stores live in, `<stateDir>/<topology>/<node>/<store>/<partition>`; default `.vision-flow/state`. */
  readonly stateDir?: string | undefined;
  readonly log?: (message: string) => void;
  /** How often completed offsets are committed; default 1000 ms. */
  readonly commitIntervalMs?: number;
  readonly pollTimeoutMs?: number;
  readonly maxPollRecords?: number;
  /** How long a graceful stop waits for in-flight records before giving up on them; default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** How long a revoked partition's in-flight records may finish before they are abandoned; default 10 s. */
  readonly revokeTimeoutMs?: number;
  /** Drives wall-clock punctuation; default RxJS's asyncScheduler (a test driver passes virtual time). */
  readonly scheduler?: SchedulerLike;
  /** Retries of a record that failed with a retriable error; default RECORD_RETRY. */
  readonly recordRetry?: RetryOptions;
}
