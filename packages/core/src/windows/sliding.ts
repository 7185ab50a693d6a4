import { ConfigError } from '../errors/config-error.js';
import { toMillis, type Duration } from '../types.js';
import type { TimeWindow } from './window.js';

/**
 * Windows of fixed size that slide with the data (Kafka Streams' SlidingWindows): two records fall
 * in a common window when their timestamps differ by at most `timeDifference`. Each record
 * defines the window `[t - timeDifference, t]` that ends at it.
 *
 * @example sliding('5s').grace('1s')
 */
export class SlidingWindows {
  readonly kind = 'sliding' as const;

  constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs = 0,
  ) {
    if (!(timeDifferenceMs > 0)) throw new ConfigError(`sliding window time difference must be positive, got ${timeDifferenceMs} ms`);
  }

  grace(d: Duration): SlidingWindows {
    return new SlidingWindows(this.timeDifferenceMs, toMillis(d, 'grace'));
  }

  /** The window ending at a record: `[t - difference, t + 1)`, so both ends are inclusive in ms. */
  windowEndingAt(timestamp: number): TimeWindow {
    return { start: timestamp - this.timeDifferenceMs, end: timestamp + 1 };
  }
}

export function sliding(timeDifference: Duration): SlidingWindows {
  return new SlidingWindows(toMillis(timeDifference, 'sliding window time difference'));
}
