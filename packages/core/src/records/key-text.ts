/** A record key as text, for logs, events, dead-letter keys and trace ids; undefined for no key. */
export function keyToText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return JSON.stringify(key);
}
