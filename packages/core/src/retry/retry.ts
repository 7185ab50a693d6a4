import { isVisionFlowError } from '../errors/vision-flow-error.js';
import { RetriesExhaustedError } from '../errors/retries-exhausted-error.js';
import { DEFAULT_RETRY } from './defaults.js';
import { delay } from '../internal/delay.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly multiplier?: number;
  /** Fraction of each delay drawn at random, 0–1, so retrying clients do not move in lockstep. */
  readonly jitter?: number;
  /** Stop retrying once this much time has passed since the first attempt. */
  readonly maxElapsedMs?: number;
}

/** Called with the attempt's error before waiting; for logs and metrics. */
export type RetryListener = (info: { attempt: number; delayMs: number; error: unknown }) => void;

/** Stops retrying on purpose: the retried function calls `bail(err)` and the retry rejects with err. */
export type Bail = (error: unknown) => never;

class BailSignal {
  constructor(readonly error: unknown) {}
}

/** Whether an error is worth another attempt: non-retriable VisionFlowErrors and programming errors are not. */
export function isRetriable(error: unknown): boolean {
  if (isVisionFlowError(error)) return error.retriable;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  return true;
}

/** The delay before attempt `attempt + 1`, with exponential growth, a cap and jitter. */
export function backoffDelay(attempt: number, opts: Required<RetryOptions>, random: () => number = Math.random): number {
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * opts.multiplier ** (attempt - 1));
  const spread = base * opts.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

/**
 * One retry shape for every caller (producers, sinks, registry calls), as in KafkaJS:
 * `retry(opts)(async (bail, attempt) => …)`. Non-retriable errors stop at once; running out of
 * attempts or time rejects with `RetriesExhaustedError { attempts, elapsedMs, cause }`.
 *
 * @example
 * const id = await retry({ maxAttempts: 5 })(async (bail, attempt) => {
 *   const res = await fetch(url);
 *   if (res.status === 400) bail(new ConfigError('bad request'));
 *   return res.json();
 * });
 */
export function retry(options: RetryOptions = {}, onRetry?: RetryListener, signal?: AbortSignal) {
  const opts: Required<RetryOptions> = { ...DEFAULT_RETRY, ...options };
  if (!(opts.maxAttempts >= 1)) throw new RangeError(`retry: maxAttempts must be at least 1, got ${opts.maxAttempts}`);
  return async <T>(fn: (bail: Bail, attempt: number) => Promise<T>): Promise<T> => {
    const started = Date.now();
    const bail: Bail = (error) => {
      throw new BailSignal(error);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(bail, attempt);
      } catch (error) {
        if (error instanceof BailSignal) throw error.error;
        if (!isRetriable(error)) throw error;
        const elapsed = Date.now() - started;
        const delayMs = backoffDelay(attempt, opts);
        if (attempt >= opts.maxAttempts || elapsed + delayMs > opts.maxElapsedMs || signal?.aborted) {
          throw new RetriesExhaustedError(attempt, elapsed, error);
        }
        onRetry?.({ attempt, delayMs, error });
        await delay(delayMs, signal);
      }
    }
  };
}
