/** A stable map key for any store key: strings as-is, anything else as canonical JSON. */
export function storeKeyId(key: unknown): string {
  if (typeof key === 'string') return key;
  return JSON.stringify(key, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? sortKeys(v as { [k: string]: unknown }) : v));
}

function sortKeys(o: { [k: string]: unknown }): { [k: string]: unknown } {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}
