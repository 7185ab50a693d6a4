/** A time bound from a URL: epoch milliseconds (`1700000000000`) or an ISO 8601 time (`2026-12-03T14:00:00Z`). */
export function parseTime(text: string, name: string): number {
  if (/^-?\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new TypeError(`${name}=${text} is neither epoch milliseconds nor an ISO 8601 time`);
  return ms;
}
