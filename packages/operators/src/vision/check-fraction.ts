import { ConfigError } from '@vision-flow/core';

/**
 * An eager check for score and overlap thresholds: a number from 0 to 1, else ConfigError when the
 * pipeline is built, not per record. Counts use `checkPositiveInt` from core.
 */
export function checkFraction(value: number, name: string, op: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ConfigError(`${op}: ${name} must be a number from 0 to 1, got ${value}`, { operator: op, option: name });
  return value;
}
