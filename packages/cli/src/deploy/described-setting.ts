import { ConfigError, type JsonValue } from '@vision-flow/core';

/**
 * The value of a setting as `describe()` shows it: a plain value, or a parameter written by
 * describeParam as `$name` or `$name (default <json>)`, looked up in `params`, else its default.
 */
export function describedSetting(setting: JsonValue, params: { readonly [name: string]: JsonValue }): JsonValue {
  if (typeof setting !== 'string') return setting;
  const m = /^\$([^\s(]+)(?: \(default (.*)\))?$/.exec(setting);
  if (!m) return setting;
  const name = m[1]!;
  if (params[name] !== undefined) return params[name]!;
  if (m[2] !== undefined) return JSON.parse(m[2]) as JsonValue;
  throw new ConfigError(`the topology needs the parameter "${name}" to deploy: pass --set ${name}=<value>`, { param: name });
}
