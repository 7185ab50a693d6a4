import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'vf-signature';

/**
 * Signs a webhook body as Stripe and GitHub do: HMAC-SHA256 with the endpoint's secret over
 * `<timestamp>.<body>`, so a receiver can refuse both forged bodies and replays of old ones.
 *
 * @example signWebhook(secret, Math.floor(Date.now() / 1000), body) // 't=1733230000,v1=5f2b…'
 */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `t=${timestampSec},v1=${hmac(secret, timestampSec, body)}`;
}

export interface VerifyOptions {
  /** How old (or how far in the future) a signature may be; default 300 s. */
  readonly toleranceSec?: number;
  readonly nowSec?: number;
}

/**
 * Whether `header` is a valid signature of `body` (the raw bytes as received, before any JSON
 * parsing) with `secret`, made within the tolerance. Compares in constant time; any `v1` entry
 * may match (a sender rotating secrets signs with both).
 *
 * @example
 * if (!verifyWebhook(req.headers['vf-signature'], rawBody, process.env.WEBHOOK_SECRET)) return res.writeHead(401).end();
 */
export function verifyWebhook(header: string | undefined, body: string | Buffer, secret: string, opts: VerifyOptions = {}): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || v === undefined || !/^[0-9a-f]{64}$/.test(v)) return false;
    return timingSafeEqual(Buffer.from(v, 'hex'), expected);
  });
}

function hmac(secret: string, timestampSec: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex');
}
