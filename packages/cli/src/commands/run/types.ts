import type { JsonValue } from '@vision-flow/core';

export interface RunOptions {
  readonly transport?: string;
  readonly brokers?: string;
  readonly registry?: string;
  readonly models?: string;
  readonly namespace?: string;
  readonly config?: string;
  /** Kafka consumer session timeout, e.g. `10s`. */
  readonly sessionTimeout?: string;
  readonly instanceId?: string;
  /** Serve /health, /ready, /metrics and the stores' query views on this port (0: a free one, printed); see docs/observability.md. */
  readonly httpPort?: string;
  readonly httpHost?: string;
  /** Aliases of httpPort and httpHost (docs/query-views.md). */
  readonly queryPort?: string;
  readonly queryHost?: string;
  /** Folder persistent stores keep their data in; default `.vision-flow/state` (see docs/state-stores.md). */
  readonly stateDir?: string;
  /** Run only these nodes (each node can be its own process on Kafka). */
  readonly node?: readonly string[];
  /** `--set name=value`, collected. */
  readonly set?: { readonly [name: string]: JsonValue };
  /** Shorthands for common parameters of the image pipeline. */
  readonly images?: string;
  readonly annotate?: string;
  readonly out?: string;
  readonly progress?: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  /** Summary lines for standard error. */
  readonly summary: readonly string[];
}
