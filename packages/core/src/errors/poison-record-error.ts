import { VisionFlowError, type ErrorContext } from './vision-flow-error.js';

/**
 * This record can never be processed (bad image, wrong schema, too large...). Never retried;
 * the runtime sends the record to the node's dead-letter topic and goes on.
 */
export class PoisonRecordError extends VisionFlowError {
  constructor(code: string, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(message, { code, retriable: false, cause }, context);
  }
}
