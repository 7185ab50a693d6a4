import { readFileSync } from 'node:fs';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ConfigError } from '@vision-flow/core';
import { HttpProblem } from '../http-problem.js';
import { timesProblem, VerifiedTokenCache } from './verified-token-cache.js';

export interface TokenVerifierOptions {
  /** HS256 shared secret (at least 32 bytes). Give either this or `jwks`. */
  readonly secret?: string;
  /** RS256/ES256 public keys: a JWKS file path, or an `https://` / `http://` URL (fetched, cached and refreshed; never per request). */
  readonly jwks?: string;
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud` (one of the token's audiences). */
  readonly audience: string;
  /** Algorithms accepted; default `HS256` with a secret, `RS256` and `ES256` with a JWKS. `none` is always refused. */
  readonly algorithms?: readonly string[];
  /** Scope the token must carry (space-separated `scope` or array `scp`); default none. */
  readonly requiredScope?: string;
  /** Claim naming the tenant; default `tenant`. */
  readonly tenantClaim?: string;
  /** Clock skew allowed on `exp`/`nbf`, seconds; default 30. */
  readonly clockToleranceSec?: number;
  /** How long a fetched JWKS is trusted before it is fetched again, ms; default 10 min. Verified tokens are kept as long. */
  readonly jwksCacheMaxAgeMs?: number;
  /** Verified tokens kept (their signature is not checked again); default 10 000. */
  readonly verifiedTokensKept?: number;
}

/** What a verified token says. */
export interface VerifiedToken {
  readonly tenant: string;
  readonly scopes: readonly string[];
  readonly claims: JWTPayload;
}

export interface VerifyAt {
  /**
   * The time `exp` and `nbf` are checked against, epoch ms; default now. A node re-verifying a
   * record's token passes the record's timestamp (when it was accepted): a record may legitimately
   * wait in a topic past its token's expiry.
   */
  readonly at?: number;
}

export interface TokenVerifier {
  /** Verifies a bearer token locally; throws an HttpProblem (401, or 403 for a missing scope or tenant). */
  verify(token: string, when?: VerifyAt): Promise<VerifiedToken>;
}

const SYMMETRIC = new Set(['HS256', 'HS384', 'HS512']);
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/**
 * Verifies JWT bearer tokens with `jose`, without calling any service: HS256 with a shared secret,
 * or RS256/ES256 with keys from a JWKS file or URL. Checks signature, algorithm allow-list, issuer,
 * audience, expiry and not-before (with a small skew), then the scope and the tenant claim.
 *
 * When to use: the ingest endpoint uses it per request; any later node re-verifies the `vf-token`
 * header of a record with the same options (the keys are public or shared, nothing is called).
 *
 * @example
 * const verifier = createTokenVerifier({ jwks: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com/', audience: 'vision-flow' });
 * const { tenant } = await verifier.verify(rec.headers['vf-token']!);
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const where = 'token verifier';
  if ((opts.secret ? 1 : 0) + (opts.jwks ? 1 : 0) !== 1) throw new ConfigError(`${where}: give exactly one of a secret (HS256) or a JWKS file/URL (RS256/ES256)`, {});
  if (!opts.issuer) throw new ConfigError(`${where}: an issuer is required (the "iss" tokens must carry)`, {});
  if (!opts.audience) throw new ConfigError(`${where}: an audience is required (the "aud" tokens must carry)`, {});
  const algorithms = [...(opts.algorithms ?? (opts.secret ? ['HS256'] : ['RS256', 'ES256']))];
  const family = opts.secret ? SYMMETRIC : ASYMMETRIC;
  for (const alg of algorithms) {
    // A symmetric algorithm next to public keys is the HS/RS confusion attack; `none` is no signature.
    if (!family.has(alg)) throw new ConfigError(`${where}: algorithm "${alg}" cannot be used with ${opts.secret ? 'a shared secret' : 'public keys'}; allowed: ${[...family].join(', ')}`, { algorithm: alg });
  }
  if (opts.secret && Buffer.byteLength(opts.secret) < 32) throw new ConfigError(`${where}: the HS256 secret is ${Buffer.byteLength(opts.secret)} bytes; use at least 32 random bytes`, {});
  const keysMaxAgeMs = opts.jwksCacheMaxAgeMs ?? 600_000;
  // Read and checked now (a bad file is a ConfigError at start); turned into jose's key getter at the first token.
  const keySource = opts.secret ? new TextEncoder().encode(opts.secret) : jwksSource(opts.jwks!);
  let key: Uint8Array | JWTVerifyGetKey | undefined;
  // jose (~50 ms of start-up CPU) loads with the first token, not in every process that imports the package.
  let loadingJose: Promise<Jose> | undefined;
  const tenantClaim = opts.tenantClaim ?? 'tenant';
  const clockTolerance = opts.clockToleranceSec ?? 30;
  const verifyOptions = { issuer: opts.issuer, audience: opts.audience, algorithms, clockTolerance, requiredClaims: ['exp'] };
  const verified = new VerifiedTokenCache<VerifiedToken>(opts.verifiedTokensKept ?? 10_000, keysMaxAgeMs);
  return {
    async verify(token: string, when: VerifyAt = {}): Promise<VerifiedToken> {
      const now = Date.now();
      const known = verified.get(token, now);
      if (known) {
        const problem = timesProblem(known.claims, when.at ?? now, clockTolerance);
        if (problem) throw problem === 'exp' ? expiredProblem() : notYetValidProblem();
        return known;
      }
      const answer = await check(token, when.at === undefined ? verifyOptions : { ...verifyOptions, currentDate: new Date(when.at) });
      verified.put(token, answer, now);
      return answer;
    },
  };

  async function check(token: string, options: typeof verifyOptions & { currentDate?: Date }): Promise<VerifiedToken> {
    const jose = await (loadingJose ??= import('jose'));
    key ??= keySource instanceof Uint8Array ? keySource : jwksKeys(jose, keySource, keysMaxAgeMs);
    let claims: JWTPayload;
    try {
      // jose's overloads split a key from a key getter
      claims = (await (typeof key === 'function' ? jose.jwtVerify(token, key, options) : jose.jwtVerify(token, key, options))).payload;
    } catch (e) {
      throw tokenProblem(e, jose.errors);
    }
    const scopes = scopesOf(claims);
    if (opts.requiredScope && !scopes.includes(opts.requiredScope)) {
      throw new HttpProblem(403, 'INSUFFICIENT_SCOPE', 'Insufficient scope', `the token lacks the scope "${opts.requiredScope}" (it has: ${scopes.join(' ') || 'none'}); ask for a token with that scope`, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${opts.requiredScope}"` }, { requiredScope: opts.requiredScope });
    }
    const tenant = claims[tenantClaim];
    if (typeof tenant !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) {
      throw new HttpProblem(403, 'NO_TENANT', 'No tenant', `the token's "${tenantClaim}" claim must be a tenant id (1–64 letters, digits, _ or -: it names the tenant's topics); got ${JSON.stringify(tenant ?? null)}`, {}, { tenantClaim });
    }
    return { tenant, scopes, claims };
  }
}

type Jose = typeof import('jose');

/** The keys' URL, or the key set read from a file (checked as jose checks a key set). */
function jwksSource(jwks: string): URL | JSONWebKeySet {
  if (/^https?:\/\//.test(jwks)) return new URL(jwks);
  let text: string;
  try {
    text = readFileSync(jwks, 'utf8');
  } catch (e) {
    throw new ConfigError(`token verifier: cannot read the JWKS file ${jwks}: ${(e as Error).message}; pass a JWKS file path or URL`, { file: jwks }, e);
  }
  let set: unknown;
  try {
    set = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`token verifier: ${jwks} is not a JWKS ({"keys": [...]}): ${(e as Error).message}`, { file: jwks }, e);
  }
  const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(set) || !('keys' in set) || !Array.isArray(set.keys) || !set.keys.every(isObject)) {
    throw new ConfigError(`token verifier: ${jwks} is not a JWKS ({"keys": [...]}): JSON Web Key Set malformed`, { file: jwks });
  }
  return set as JSONWebKeySet;
}

function jwksKeys(jose: Jose, source: URL | JSONWebKeySet, cacheMaxAge: number): JWTVerifyGetKey {
  if (source instanceof URL) return jose.createRemoteJWKSet(source, { cacheMaxAge, cooldownDuration: 30_000, timeoutDuration: 5_000 });
  return jose.createLocalJWKSet(source);
}

function scopesOf(claims: JWTPayload): string[] {
  const { scope, scp } = claims as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter((s) => s !== '');
  return [];
}

const invalid = (code: string, detail: string) => new HttpProblem(401, code, 'Invalid token', detail, { 'www-authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` });
const expiredProblem = () => invalid('TOKEN_EXPIRED', 'the token has expired ("exp" is past); get a new token');
const notYetValidProblem = () => invalid('TOKEN_NOT_YET_VALID', 'the token is not valid yet ("nbf" is in the future); check the clocks or wait');

/** One 401 per way a token can be wrong, so a client (and its developer) knows what to fix. */
function tokenProblem(e: unknown, errors: Jose['errors']): HttpProblem {
  if (e instanceof errors.JWTExpired) return expiredProblem();
  if (e instanceof errors.JWTClaimValidationFailed) {
    const claim = e.claim;
    if (claim === 'nbf') return notYetValidProblem();
    if (claim === 'iss') return invalid('TOKEN_WRONG_ISSUER', `the token's issuer ("iss") is not the one this endpoint trusts; get a token from the configured issuer`);
    if (claim === 'aud') return invalid('TOKEN_WRONG_AUDIENCE', `the token's audience ("aud") is not this endpoint; get a token for this audience`);
    return invalid('TOKEN_CLAIM_INVALID', `the token's "${claim}" claim is ${e.reason}; fix the token`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid('TOKEN_ALGORITHM_REFUSED', 'the token is signed with an algorithm this endpoint does not accept; sign it with an allowed one');
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid('TOKEN_BAD_SIGNATURE', 'the token signature does not verify (wrong key, or the token was altered); get a new token');
  if (e instanceof errors.JWKSNoMatchingKey) return invalid('TOKEN_UNKNOWN_KEY', "no known key matches the token's key id (\"kid\"); the issuer's keys may have rotated, get a new token");
  if (e instanceof errors.JWKSMultipleMatchingKeys) return invalid('TOKEN_UNKNOWN_KEY', 'the token does not say which key signed it ("kid"); sign with a kid');
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === 'ERR_JWKS_INVALID')) {
    return new HttpProblem(503, 'KEYS_UNAVAILABLE', 'Keys unavailable', 'the signing keys cannot be fetched right now; try again later', { 'retry-after': '5' });
  }
  return invalid('TOKEN_MALFORMED', 'the bearer token is not a well-formed signed JWT (three base64url parts, JSON header and claims); send a JWT in "Authorization: Bearer <token>"');
}
