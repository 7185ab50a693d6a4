import type { Rec } from '../records/record.js';
import type { JsonValue } from '../types.js';
import type { OperatorContext } from './operator-context.js';
import type { VisionFlowError } from '../errors/vision-flow-error.js';

/** What became of a source record: written durably to the node's output, or dead-lettered. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: VisionFlowError };

/** A record from a source, with an optional callback told its outcome (HTTP ingest answers the client there). */
export interface SourceEnvelope<K, V> {
  readonly record: Rec<K, V>;
  /** The source already knows this input is bad (unreadable file, too large): dead-letter it. */
  readonly error?: VisionFlowError;
  settle?(outcome: Outcome): void;
}

/** The node's context (parameters, folders), and the signal that ends the source. */
export interface SourceContext extends OperatorContext {
  /** Aborted when the node shuts down: stop accepting, let `next()` return null. */
  readonly signal: AbortSignal;
}

/**
 * Pull-based: the runtime calls `next()` only when the node has a free in-flight slot, so a
 * source never runs ahead of the slowest stage. `null` means the source is exhausted (bounded
 * sources) or shutting down.
 */
export interface SourceReader<K, V> {
  /** How many records a bounded source will give, when known (for progress bars). */
  readonly total?: number;
  next(): Promise<SourceEnvelope<K, V> | null>;
  close(): Promise<void>;
}

/** Where records enter a topology from outside Kafka: a directory, an HTTP endpoint, a camera. */
export interface Source<K, V> {
  /** Short kind for `describe()`, e.g. `directory` or `http-ingest`. */
  readonly kind: string;
  /** What one record is, for progress and summaries: `images`, `requests`; default `records`. */
  readonly unit?: string;
  /** A bounded source ends; a run whose sources are all bounded stops once everything drained. */
  readonly bounded: boolean;
  /** Settings shown by `describe()` and `vision-flow graph`. */
  describe?(): { [setting: string]: JsonValue };
  open(ctx: SourceContext): Promise<SourceReader<K, V>>;
}
