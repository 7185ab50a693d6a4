import { VisionFlowError, type ErrorContext } from './vision-flow-error.js';

/** An operation did not finish within its deadline. */
export class TimeoutError extends VisionFlowError {
  constructor(message: string, readonly timeoutMs: number, context: ErrorContext = {}) {
    super(message, { code: 'TIMEOUT', retriable: true }, { ...context, timeoutMs });
  }
}
