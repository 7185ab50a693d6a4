import { ConfigError } from '../errors/config-error.js';
import { toMillis, type Duration } from '../types.js';

/**
 * Activity sessions per key: records closer than `gap` in event time belong to one session,
 * which closes when stream time passes its last record + gap + grace.
 *
 * @example session('30s').grace('5s')
 */
export class SessionWindows {
  readonly kind = 'session' as const;

  constructor(
    readonly gapMs: number,
    readonly graceMs = 0,
  ) {
    if (!(gapMs > 0)) throw new ConfigError(`session gap must be positive, got ${gapMs} ms`);
  }

  grace(d: Duration): SessionWindows {
    return new SessionWindows(this.gapMs, toMillis(d, 'grace'));
  }

  /** Whether a session whose last record was at `lastTimestamp` is closed at `streamTime`. */
  isClosed(lastTimestamp: number, streamTime: number): boolean {
    return streamTime > lastTimestamp + this.gapMs + this.graceMs;
  }
}

export function session(gap: Duration): SessionWindows {
  return new SessionWindows(toMillis(gap, 'session gap'));
}
