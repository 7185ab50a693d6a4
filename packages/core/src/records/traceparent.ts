import { hash, randomFillSync } from 'node:crypto';

/** The fields of a W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/). */
export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero: the span that wrote the record. */
  readonly spanId: string;
  /** 2 hex digits; `01` is sampled. */
  readonly flags: string;
}

const FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** Version 00 as vision-flow writes it: checked without capture groups, on every record a node continues. */
const V00 = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a `traceparent` value; undefined for a missing or invalid one (which the spec says to ignore). */
export function parseTraceparent(text: string | undefined): TraceParent | undefined {
  if (text === undefined) return undefined;
  if (text.length === 55 && V00.test(text)) {
    const traceId = text.slice(3, 35);
    const spanId = text.slice(36, 52);
    return traceId === ZERO_TRACE || spanId === ZERO_SPAN ? undefined : { traceId, spanId, flags: text.slice(53, 55) };
  }
  const m = FORMAT.exec(text.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has nothing after the flags; later versions may add fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: flags! };
}

export function formatTraceparent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${p.flags}`;
}

/**
 * The W3C trace id of a vision-flow trace id (the ingest id, or the key): the first 16 bytes of its
 * SHA-256, so every node that knows the trace id derives the same one without being told.
 */
export function w3cTraceIdOf(traceId: string): string {
  // The one-shot hash: half the CPU of createHash().update().digest(), and this runs for every output.
  const hex = hash('sha256', traceId, 'hex').slice(0, 32);
  return /^0+$/.test(hex) ? `${hex.slice(0, 31)}1` : hex;
}

/**
 * Span ids for a node's outputs: random, drawn from a buffer filled 512 at a time (one call to the
 * system's random source per 512 records rather than per record).
 */
export class SpanIds {
  private readonly pool = Buffer.alloc(8 * 512);
  /** The pool as hex, 16 characters per span id: one conversion per refill, a slice per id. */
  private hex = '';
  private next = 0;

  take(): string {
    for (;;) {
      if (this.next >= this.hex.length) {
        this.hex = randomFillSync(this.pool).toString('hex');
        this.next = 0;
      }
      const id = this.hex.slice(this.next, (this.next += 16));
      if (id !== ZERO_SPAN) return id;
    }
  }
}

/**
 * The `traceparent` of a record a node writes: the same trace as `parent` (the input's header) with
 * a new span id; without a valid parent, a trace derived from the vision-flow trace id; undefined
 * when there is neither.
 */
export function continueTrace(parent: string | undefined, traceId: string | undefined, spans: SpanIds): string | undefined {
  const p = parseTraceparent(parent);
  if (p) return `00-${p.traceId}-${spans.take()}-${p.flags}`;
  if (traceId === undefined) return undefined;
  return formatTraceparent({ traceId: w3cTraceIdOf(traceId), spanId: spans.take(), flags: '01' });
}
