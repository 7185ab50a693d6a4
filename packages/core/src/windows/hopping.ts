import { ConfigError } from '../errors/config-error.js';
import { toMillis, type Duration } from '../types.js';
import { fixedWindowsFor, type FixedWindows, type TimeWindow } from './window.js';

/**
 * Overlapping windows of one size that start every `advance`: a record falls in size/advance
 * windows. `hopping('10s')` alone equals tumbling; `.advanceBy('5s')` makes them overlap.
 *
 * @example hopping('10s').advanceBy('5s').grace('1s')
 */
export class HoppingWindows implements FixedWindows {
  readonly kind = 'hopping' as const;

  constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs = 0,
  ) {
    if (!(sizeMs > 0)) throw new ConfigError(`hopping window size must be positive, got ${sizeMs} ms`);
    if (!(advanceMs > 0 && advanceMs <= sizeMs)) throw new ConfigError(`hopping window advance must be in (0, size=${sizeMs}] ms, got ${advanceMs} ms`);
  }

  advanceBy(d: Duration): HoppingWindows {
    return new HoppingWindows(this.sizeMs, toMillis(d, 'advance'), this.graceMs);
  }

  grace(d: Duration): HoppingWindows {
    return new HoppingWindows(this.sizeMs, this.advanceMs, toMillis(d, 'grace'));
  }

  windowsFor(timestamp: number): TimeWindow[] {
    return fixedWindowsFor(timestamp, this.sizeMs, this.advanceMs);
  }
}

export function hopping(size: Duration): HoppingWindows {
  const ms = toMillis(size, 'hopping window size');
  return new HoppingWindows(ms, ms);
}
