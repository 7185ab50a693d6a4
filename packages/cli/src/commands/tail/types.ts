export interface TailOptions {
  readonly brokers?: string;
  readonly registry?: string;
  readonly namespace?: string;
  readonly config?: string;
  readonly fromBeginning?: boolean;
  /** Stop after this many records. */
  readonly max?: number;
  /** Stop when no record came for this many ms (default: follow forever). */
  readonly idleExit?: number;
  /** How to print bytes fields: their size (default) or base64. */
  readonly bytes?: 'size' | 'base64';
}

export interface TailResult {
  readonly exitCode: number;
  readonly records: number;
}
