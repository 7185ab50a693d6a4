import { VisionFlowError } from '@vision-flow/core';

/**
 * One delivery attempt did not get a 2xx. `status` is the HTTP status, or 0 when no answer came
 * (timeout, refused connection). Retriable for 408, 429, 5xx and no answer; any other 4xx says
 * the request itself is wrong, so it is not tried again.
 */
export class WebhookAttemptError extends VisionFlowError {
  constructor(
    readonly status: number,
    readonly endpoint: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`${endpoint}: ${status === 0 ? reason : `HTTP ${status}${reason ? ` ${reason}` : ''}`}`, { code: 'WEBHOOK_ATTEMPT_FAILED', retriable: status === 0 || status === 408 || status === 429 || status >= 500, cause }, { endpoint, status });
  }
}
