export interface IngestOptions {
  /** The ingest endpoint: `http://host:port` (then `/v1/images` is added) or the full upload URL. Env VF_INGEST_URL. */
  readonly url?: string;
  /** Bearer token (a JWT). Env VF_TOKEN, which keeps it out of the process list. */
  readonly token?: string;
  /** Uploads at once; default 8. */
  readonly concurrency?: string | number;
  /** Attempts per image in all (retries on 429, 503 and connection errors); default 8. */
  readonly maxAttempts?: string | number;
  readonly progress?: boolean;
}

/** One image's end: accepted with the id it was given, or rejected with the reason. */
export interface UploadOutcome {
  readonly file: string;
  readonly status: number;
  readonly id?: string;
  /** The problem's code and detail (RFC 9457 body), or the connection error. */
  readonly code?: string;
  readonly detail?: string;
  /** Attempts made; more than one means it was retried. */
  readonly attempts: number;
}

export interface IngestResult {
  readonly exitCode: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Uploads that needed more than one attempt. */
  readonly retried: number;
  readonly outcomes: readonly UploadOutcome[];
  /** Summary lines for standard error. */
  readonly summary: readonly string[];
}
