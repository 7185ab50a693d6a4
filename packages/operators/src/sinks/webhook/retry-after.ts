/**
 * The wait an HTTP `Retry-After` header asks for, in ms: delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3); undefined when absent or unreadable. Capped, so a wrong header cannot stall
 * an endpoint for days.
 */
export function retryAfterMs(header: string | null, now = Date.now(), capMs = 10 * 60_000): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(capMs, Math.max(0, ms));
}
