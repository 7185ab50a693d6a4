import { VisionFlowError, type ErrorContext } from './vision-flow-error.js';

/** A broker, registry or webhook endpoint could not be reached. Retriable by nature. */
export class ConnectionError extends VisionFlowError {
  constructor(message: string, context: ErrorContext = {}, cause?: unknown, retriable = true) {
    super(message, { code: 'CONNECTION_FAILED', retriable, cause }, context);
  }
}
