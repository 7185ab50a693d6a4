export interface DownOptions {
  readonly stateFile?: string;
  /** How long to wait for `up` to stop its nodes beyond its own stop timeout, e.g. 30s. */
  readonly timeout?: string;
}

export interface DownResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}
