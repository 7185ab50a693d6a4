import { ConfigError } from './errors/config-error.js';

/** A duration as milliseconds or a string such as `250ms`, `30s`, `5m`, `1h`, `7d`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a Duration to milliseconds; `what` names the option in the error. */
export function toMillis(d: Duration, what = 'duration'): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new ConfigError(`${what}: expected a non-negative number of milliseconds, got ${d}`);
    return d;
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(d).trim());
  if (!m) throw new ConfigError(`${what}: cannot read "${d}" as a duration; write it like 250ms, 30s, 5m, 1h or 7d`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** A rate such as `50/s`, `600/m` or `10/100ms`. */
export type Rate = `${number}/${string}`;

/** Parses a Rate to `{ count, perMs }`. */
export function parseRate(r: Rate, what = 'rate'): { count: number; perMs: number } {
  const m = /^(\d+(?:\.\d+)?)\/(\d*(?:\.\d+)?)(ms|s|m|h)$/.exec(String(r).trim());
  const count = Number(m?.[1]);
  if (!m || !(count > 0)) throw new ConfigError(`${what}: cannot read "${r}" as a rate; write it like 50/s, 600/m or 10/100ms`);
  const per = m[2] === '' ? 1 : Number(m[2]);
  return { count, perMs: per * UNIT_MS[m[3] as keyof typeof UNIT_MS] };
}

/** Values JSON can carry; used for topology parameters and configuration. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
