import type { RetryOptions } from './retry.js';

/** Production defaults: about 30 s of trying with exponential backoff. */
export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 8,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
  maxElapsedMs: 60_000,
};

/** Short delays for tests, so retry paths run in milliseconds. */
export const TEST_RETRY: Required<RetryOptions> = {
  maxAttempts: 4,
  initialDelayMs: 5,
  maxDelayMs: 20,
  multiplier: 2,
  jitter: 0,
  maxElapsedMs: 5_000,
};
