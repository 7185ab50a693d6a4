import type { JWTPayload } from 'jose';

/** A token whose signature, issuer, audience, scope and tenant were checked, kept until `until` (epoch ms). */
interface Entry<T> {
  readonly verified: T;
  readonly until: number;
}

/**
 * Tokens already verified, by their exact text, so a device that sends the same token with every
 * upload (and a node that meets it again on every record) costs one signature check per token, not
 * one per request: a check is an asynchronous WebCrypto call through libuv's thread pool, where
 * the request waits for a pool thread. Only what does not change with time is kept; expiry and
 * not-before are checked on every use (`timesProblem`). An entry lives at most `maxAgeMs` (the
 * JWKS cache's age: a key removed from the issuer's set stops counting no later than with the set
 * itself), and at most `maxEntries` are kept, least recently used dropped first.
 */
export class VerifiedTokenCache<T extends { readonly claims: JWTPayload }> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get(token: string, now: number): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    this.entries.delete(token);
    if (e.until <= now) return undefined;
    this.entries.set(token, e); // most recently used last
    return e.verified;
  }

  put(token: string, verified: T, now: number): void {
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { verified, until: now + this.maxAgeMs });
  }
}

/**
 * What is wrong with the token's times at `atMs` (epoch ms), with `toleranceSec` of skew, as jose's
 * jwtVerify judges it: 'exp' when it has expired, 'nbf' when it is not valid yet, else undefined.
 */
export function timesProblem(claims: JWTPayload, atMs: number, toleranceSec: number): 'exp' | 'nbf' | undefined {
  const now = Math.floor(atMs / 1000);
  if (typeof claims.exp === 'number' && claims.exp <= now - toleranceSec) return 'exp';
  if (typeof claims.nbf === 'number' && claims.nbf > now + toleranceSec) return 'nbf';
  return undefined;
}
