import { ConfigError } from '../errors/config-error.js';
import { toMillis, type Duration } from '../types.js';
import { fixedWindowsFor, type FixedWindows, type TimeWindow } from './window.js';

/**
 * Back-to-back windows of one size: each record falls in exactly one. Immutable: `grace()` returns
 * a copy. Without grace a record is late as soon as stream time passes its window's end.
 *
 * @example tumbling('10s').grace('2s')
 */
export class TumblingWindows implements FixedWindows {
  readonly kind = 'tumbling' as const;

  constructor(
    readonly sizeMs: number,
    readonly graceMs = 0,
  ) {
    if (!(sizeMs > 0)) throw new ConfigError(`tumbling window size must be positive, got ${sizeMs} ms`);
  }

  get advanceMs(): number {
    return this.sizeMs;
  }

  grace(d: Duration): TumblingWindows {
    return new TumblingWindows(this.sizeMs, toMillis(d, 'grace'));
  }

  windowsFor(timestamp: number): TimeWindow[] {
    return fixedWindowsFor(timestamp, this.sizeMs, this.sizeMs);
  }
}

export function tumbling(size: Duration): TumblingWindows {
  return new TumblingWindows(toMillis(size, 'tumbling window size'));
}
