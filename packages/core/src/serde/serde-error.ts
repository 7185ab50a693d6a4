import { PoisonRecordError } from '../errors/poison-record-error.js';
import type { ErrorContext } from '../errors/vision-flow-error.js';

/**
 * Bytes that cannot be turned into a record (or a record that cannot be encoded). Codes:
 * `NOT_CONFLUENT_AVRO`, `UNKNOWN_SCHEMA_ID`, `SCHEMA_MISMATCH`, `AVRO_DECODE_FAILED`, `AVRO_ENCODE_FAILED`,
 * and `NULL_KEY` / `NULL_VALUE` for a null key or value (tombstone) a node reads from a topic whose
 * schema does not admit null.
 */
export class SerdeError extends PoisonRecordError {
  constructor(code: string, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(code, message, context, cause);
  }
}
