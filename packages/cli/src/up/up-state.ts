import type { NodeState } from './node-status.js';

/**
 * What `up` keeps in `.vision-flow/up/<topology-name>.json` while it runs, for `ps`, `down` and
 * `top`. Removed when `up` ends.
 */
export interface UpState {
  readonly topology: string;
  /** Absolute path of the topology module. */
  readonly topologyFile: string;
  readonly supervisorPid: number;
  readonly startedAt: string;
  /** `processes` or `containers`. */
  readonly launcher: 'processes' | 'containers';
  readonly namespace?: string;
  /** How long the supervisor gives a node after SIGTERM, so `down` knows how long to wait. */
  readonly stopTimeoutMs: number;
  readonly nodes: readonly NodeState[];
}
