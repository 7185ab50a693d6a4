import type { JsonValue } from '@vision-flow/core';

export interface UpOptions {
  readonly brokers?: string;
  readonly registry?: string;
  readonly namespace?: string;
  readonly config?: string;
  readonly models?: string;
  readonly sessionTimeout?: string;
  /** `--set name=value`, collected; given to every node. */
  readonly set?: { readonly [name: string]: JsonValue };
  readonly images?: string;
  readonly annotate?: string;
  readonly out?: string;
  /** `--replicas objects=2`, collected. */
  readonly replicas?: readonly string[];
  readonly containers?: boolean;
  /** Image for --containers (default: the one `vision-flow build` makes). */
  readonly image?: string;
  /** Address the nodes' HTTP servers bind (VF_HTTP_HOST); default 127.0.0.1. */
  readonly httpHost?: string;
  readonly stateFile?: string;
  readonly backoff?: string;
  readonly maxBackoff?: string;
  readonly maxRestarts?: string;
  readonly restartWindow?: string;
  readonly onGiveUp?: string;
  readonly stopTimeout?: string;
}

export interface UpResult {
  /** 0 when stopped on request or every node finished; 1 when a node was given up on. */
  readonly exitCode: number;
  readonly summary: readonly string[];
}
