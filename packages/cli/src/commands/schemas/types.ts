export interface SchemasOptions {
  readonly registry?: string;
  readonly namespace?: string;
  readonly config?: string;
}

export interface SchemasResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}
