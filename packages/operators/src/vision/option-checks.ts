import { ConfigError } from '@vision-flow/core';

// Eager option checks: a bad option throws ConfigError when the pipeline is built, not per record.

export function checkFraction(value: number, name: string, op: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ConfigError(`${op}: ${name} must be a number from 0 to 1, got ${value}`, { operator: op, option: name });
  return value;
}

export function checkPositiveInt(value: number, name: string, op: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${op}: ${name} must be a positive integer, got ${value}`, { operator: op, option: name });
  return value;
}
