import { ConfigError } from '../errors/config-error.js';

/**
 * The one check for options that count things (concurrency, partitions, in-flight limits): a
 * whole number of at least 1, else an error naming the owner and the option. `fail` picks the
 * error class (a topology declaration throws TopologyError; an operator option ConfigError).
 *
 * @example checkPositiveInt(opts.concurrency ?? 4, 'concurrency', 'decodeImage') // "decodeImage: concurrency must be a positive integer, got 0"
 */
export function checkPositiveInt(value: number, name: string, owner: string, fail: (message: string) => Error = (m) => new ConfigError(m, { option: name })): number {
  if (!Number.isInteger(value) || value < 1) throw fail(`${owner}: ${name} must be a positive integer, got ${value}`);
  return value;
}
