/**
 * Record headers: small string metadata that travels beside a record's key and value.
 * Kafka headers are bytes; vision-flow keeps them as UTF-8 strings because every header it
 * writes (trace ids, dead-letter reasons, origins) is text.
 */
export type Headers = Readonly<{ [name: string]: string }>;

export const EMPTY_HEADERS: Headers = Object.freeze({});

/** Header names vision-flow itself writes; user headers should avoid the `vf-` prefix. */
export const HeaderNames = {
  /** `topic/partition/offset` of the input record that caused this one. */
  origin: 'vf-origin',
  /**
   * Id of the first record of a causal chain (the ingest id), kept through every node. Written only
   * when it differs from the record's key (as text): without the header, the key is the trace id.
   */
  traceId: 'vf-trace-id',
  /**
   * W3C Trace Context: the trace of `traceId` as OpenTelemetry reads it. Each node keeps the trace
   * id and writes its own span id (see records/traceparent.ts).
   */
  traceparent: 'traceparent',
  /** The tenant a record belongs to, from the token's claim at ingest; per-tenant topics and webhooks route by it. */
  tenant: 'vf-tenant',
  /** The bearer token the record was accepted with, so a later node can verify it again locally. */
  token: 'vf-token',
  errorCode: 'vf-error-code',
  errorMessage: 'vf-error-message',
  errorNode: 'vf-error-node',
  errorOperator: 'vf-error-operator',
  errorAttempts: 'vf-error-attempts',
} as const;

export function mergeHeaders(base: Headers, extra: Headers): Headers {
  return Object.freeze({ ...base, ...extra });
}
