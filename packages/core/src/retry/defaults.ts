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

/** A record that failed with a retriable error: 5 attempts, 200 ms to 5 s apart, within a minute. */
export const RECORD_RETRY: RetryOptions = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 60_000 };

/** Writing a dead letter: if even that fails the record must not be committed, so the node fails after these. */
export const DEAD_LETTER_RETRY: RetryOptions = { maxAttempts: 5 };

/**
 * Loops that must go on until the node stops (polling, joining the group again): no limit on
 * attempts or time, backing off from 100 ms to 5 s, without jitter.
 */
export const UNTIL_STOPPED_RETRY: Required<RetryOptions> = { maxAttempts: Infinity, initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2, jitter: 0, maxElapsedMs: Infinity };

/**
 * Kafka admin reads (end and committed offsets) that met a retriable broker error, e.g. while a
 * partition's leader moves: 100 ms to 1 s apart; the caller bounds the time by its request timeout.
 */
export const ADMIN_READ_RETRY: RetryOptions = { maxAttempts: Number.MAX_SAFE_INTEGER, initialDelayMs: 100, maxDelayMs: 1_000 };

/**
 * Delivering one record to a client's webhook: up to 8 attempts, 1 s to 60 s apart with half of
 * each delay drawn at random (so a recovering endpoint is not hit by every record at once), for up
 * to 10 minutes; then the record is dead-lettered with the last status.
 */
export const WEBHOOK_RETRY: Required<RetryOptions> = { maxAttempts: 8, initialDelayMs: 1000, maxDelayMs: 60_000, multiplier: 2, jitter: 0.5, maxElapsedMs: 10 * 60_000 };
