export interface PsOptions {
  readonly stateFile?: string;
  /** Print the state files' content as JSON instead of a table. */
  readonly json?: boolean;
}

export interface PsResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}
