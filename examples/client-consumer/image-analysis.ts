/**
 * The fields of the image pipeline's `vision.analyses` values that this client reads. The registry
 * holds the full schema (subject `vision.analyses-value`); fields added later are ignored here.
 */
export interface ImageAnalysis {
  readonly id: string;
  readonly objects: ReadonlyArray<{ readonly label: string; readonly score: number }>;
  readonly faces: ReadonlyArray<{ readonly score: number }>;
  /** False when a detector was late or failed: a partial result, `missing` says which part. */
  readonly complete: boolean;
  readonly missing: readonly string[];
}

/** Whether a decoded value has the fields this client reads. */
export function isImageAnalysis(v: unknown): v is ImageAnalysis {
  const a = v as Partial<ImageAnalysis> | null;
  return (
    typeof a === 'object' && a !== null &&
    typeof a.id === 'string' && typeof a.complete === 'boolean' &&
    Array.isArray(a.objects) && Array.isArray(a.faces) && Array.isArray(a.missing)
  );
}
