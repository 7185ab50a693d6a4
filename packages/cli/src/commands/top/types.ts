export interface TopOptions {
  /** Node HTTP servers to read, e.g. http://127.0.0.1:9464; repeatable. Without: the `up` state file's nodes. */
  readonly url?: readonly string[];
  /** The `up` state file to read instead of `.vision-flow/up/<topology>.json`. */
  readonly stateFile?: string;
  /** Host the `up` nodes' ports are on; default 127.0.0.1. */
  readonly host?: string;
  /** Milliseconds between refreshes; default 1000. */
  readonly interval?: string;
  /** Stop after this many frames (default: until Ctrl-C). */
  readonly iterations?: string;
}

export interface TopResult {
  readonly exitCode: number;
}
