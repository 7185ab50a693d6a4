/**
 * Where a supervised node is in its life. `backoff`: crashed, waiting to be restarted; `done`:
 * exited 0 by itself (its bounded source drained), not restarted; `failed`: given up on after too
 * many crashes; `stopped`: ended by `down` or a signal to `up`.
 */
export type NodeStatus = 'starting' | 'running' | 'backoff' | 'done' | 'failed' | 'stopping' | 'stopped';

/** One replica of one node as `up` reports it (the state file's `nodes` entries, `ps` rows). */
export interface NodeState {
  readonly node: string;
  readonly replica: number;
  /** `objects#1`: the log prefix and the name in supervisor events. */
  readonly name: string;
  readonly pid?: number;
  readonly container?: string;
  readonly httpPort?: number;
  /** Restarts after a crash so far. */
  readonly restarts: number;
  readonly status: NodeStatus;
  /** When the current (or last) process started, ISO 8601. */
  readonly startedAt?: string;
  /** How the last process ended, if one did. */
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null };
}
