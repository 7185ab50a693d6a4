export interface GraphOptions {
  readonly format: 'text' | 'mermaid' | 'dot' | 'svg' | 'png' | 'json';
  readonly output?: string;
}

export interface GraphResult {
  /** What to print on standard output; undefined when written to a file. */
  readonly text: string | undefined;
}
