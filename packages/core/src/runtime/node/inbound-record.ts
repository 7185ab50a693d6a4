import type { Outcome } from '../../dsl/source.js';
import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import type { StreamRecord } from '../../records/record.js';
import type { FailedInput } from '../dead-letter.js';
import type { Cause } from './record-output.js';

type AnyRecord = StreamRecord<unknown, unknown>;

/**
 * One input, as every input (a topic partition, a source) hands it to the record path: how to
 * decode it, where it came from, what a dead letter keeps of it, and whom to tell its outcome.
 */
export interface InboundRecord {
  /** Where it was read, for the processed event; undefined for a source's records. */
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;
  /** The source already knows this input is bad (unreadable file, too large): dead-letter it. */
  readonly error: VisionFlowError | undefined;
  /** The record without waiting, when its writer schemas are known; undefined when one must be fetched. Throws for a bad record. */
  decodeNow(): AnyRecord | undefined;
  /** Decodes, fetching schemas; rejects for a bad record (retriable when it is not the record's fault). */
  decode(): Promise<AnyRecord>;
  /** The provenance its outputs carry in headers. */
  cause(rec: AnyRecord, keyText: string | undefined): Cause;
  /** Names it in a timeout message. */
  describe(): string;
  /** What its dead letter keeps of it. */
  failedInput(keyText: string | undefined): FailedInput;
  /** Told once its outputs, or its dead letter, are durable. */
  settle(outcome: Outcome): void;
}
