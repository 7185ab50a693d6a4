import { ConfigError } from '../errors/config-error.js';
import type { JsonValue } from '../types.js';

const PARAM = Symbol.for('vision-flow.param');

/** A value a topology leaves to the command line (`--set name=value`), with an optional default. */
export interface Param<T extends JsonValue> {
  readonly [PARAM]: true;
  readonly name: string;
  readonly default: T | undefined;
  readonly description: string | undefined;
}

/**
 * Declares a topology parameter; sources and sinks resolve it when the node starts.
 *
 * @example
 * directorySource({ dir: param('images', { default: '../shared/images', description: 'folder of images to submit' }) })
 */
export function param<T extends JsonValue = string>(name: string, opts: { default?: T; description?: string } = {}): Param<T> {
  return Object.freeze({ [PARAM]: true as const, name, default: opts.default, description: opts.description });
}

export function isParam(x: unknown): x is Param<JsonValue> {
  return typeof x === 'object' && x !== null && PARAM in x;
}

/** A plain value, or a parameter looked up in `params` (falling back to its default). */
export type ParamOr<T extends JsonValue> = T | Param<T>;

export function resolveParam<T extends JsonValue>(value: ParamOr<T>, params: Readonly<{ [name: string]: JsonValue | undefined }>, what: string): T {
  if (!isParam(value)) return value;
  const given = params[value.name];
  if (given !== undefined) return given as T;
  if (value.default !== undefined) return value.default as T;
  throw new ConfigError(`${what} needs the parameter "${value.name}"${value.description ? ` (${value.description})` : ''}: pass --set ${value.name}=<value>`, { param: value.name });
}

/** Describes a possibly-parameterised setting for `describe()`. */
export function describeParam(value: ParamOr<JsonValue>): JsonValue {
  return isParam(value) ? `$${value.name}${value.default !== undefined ? ` (default ${JSON.stringify(value.default)})` : ''}` : value;
}
