import { VisionFlowError, errorMessage } from './vision-flow-error.js';

/** Every attempt of a retried call failed. `cause` is the last attempt's error. */
export class RetriesExhaustedError extends VisionFlowError {
  constructor(readonly attempts: number, readonly elapsedMs: number, cause: unknown) {
    super(`gave up after ${attempts} attempts in ${elapsedMs} ms: ${errorMessage(cause)}`, { code: 'RETRIES_EXHAUSTED', retriable: false, cause }, { attempts, elapsedMs });
  }
}
