// Every way a bearer token can be wrong is refused with its own 401 (403 for a missing scope or
// tenant) and an RFC 9457 problem body, before the body is read, and nothing reaches the topic.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, importJWK, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, HeaderNames } from '@vision-flow/core';
import { createTokenVerifier } from './auth/token-verifier.js';
import { AUDIENCE, ISSUER, IngestRun, SAMPLE_JPEG, SECRET, hsToken, makeKeys, removeKeys, signedToken, claimsOf, type Answer, type Keys } from './ingest.test-setup.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function expectProblem(a: Answer, status: number, code: string): void {
  expect({ status: a.status, code: a.body['code'] }).toEqual({ status, code });
  expect(a.contentType).toContain('application/problem+json');
  expect(a.body).toMatchObject({ status, type: expect.stringContaining(code.toLowerCase().replace(/_/g, '-')), title: expect.any(String), detail: expect.any(String) });
  if (status === 401) expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
}

interface Case {
  readonly name: string;
  readonly auth: () => Promise<string | undefined>;
  readonly status: number;
  readonly code: string;
}

describe('httpSource token checks (HS256 shared secret)', () => {
  const run = new IngestRun({ auth: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE } });
  let keys: Keys;
  beforeAll(async () => {
    keys = await makeKeys();
    await run.start();
  }, 60_000); // RSA key generation is slow on a busy machine
  afterAll(async () => {
    await run.stop();
    removeKeys(keys);
  });

  const cases: Case[] = [
    { name: 'no token', auth: async () => undefined, status: 401, code: 'NO_TOKEN' },
    { name: 'not a bearer scheme', auth: async () => `Basic ${Buffer.from('a:b').toString('base64')}`, status: 401, code: 'AUTHORIZATION_MALFORMED' },
    { name: 'malformed token', auth: async () => 'Bearer not.a-jwt', status: 401, code: 'TOKEN_MALFORMED' },
    { name: 'expired beyond the clock skew', auth: async () => `Bearer ${await hsToken({ expIn: -120 })}`, status: 401, code: 'TOKEN_EXPIRED' },
    { name: 'not yet valid', auth: async () => `Bearer ${await hsToken({ nbfIn: 600 })}`, status: 401, code: 'TOKEN_NOT_YET_VALID' },
    { name: 'wrong issuer', auth: async () => `Bearer ${await hsToken({ iss: 'https://evil.test/' })}`, status: 401, code: 'TOKEN_WRONG_ISSUER' },
    { name: 'wrong audience', auth: async () => `Bearer ${await hsToken({ aud: 'someone-else' })}`, status: 401, code: 'TOKEN_WRONG_AUDIENCE' },
    { name: 'wrong signature (another secret)', auth: async () => `Bearer ${await hsToken({}, 'another-secret-that-is-also-32-bytes-long')}`, status: 401, code: 'TOKEN_BAD_SIGNATURE' },
    { name: 'alg none', auth: async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf())}.`, status: 401, code: 'TOKEN_ALGORITHM_REFUSED' },
    {
      name: 'tampered payload (tenant changed after signing)',
      auth: async () => {
        const [h, , s] = (await hsToken()).split('.');
        return `Bearer ${h}.${b64(claimsOf({ claims: { tenant: 'victim' } }))}.${s}`;
      },
      status: 401,
      code: 'TOKEN_BAD_SIGNATURE',
    },
    { name: 'RS256 token where HS256 is expected', auth: async () => `Bearer ${await signedToken(keys.rsa.privateKey, 'RS256', 'rsa-1')}`, status: 401, code: 'TOKEN_ALGORITHM_REFUSED' },
    { name: 'valid token without the upload scope', auth: async () => `Bearer ${await hsToken({ claims: { scope: 'images:read' } })}`, status: 403, code: 'INSUFFICIENT_SCOPE' },
    { name: 'valid token without a tenant', auth: async () => `Bearer ${await hsToken({ claims: { tenant: undefined } })}`, status: 403, code: 'NO_TENANT' },
  ];

  it.each(cases)('refuses $name with $status $code and writes nothing', async ({ auth, status, code }) => {
    const header = await auth();
    const a = await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', ...(header ? { authorization: header } : {}) });
    expectProblem(a, status, code);
    expect(await run.written()).toBe(0);
  });

  it('accepts a valid token (and one expired within the clock skew), with tenant and token in the record headers', async () => {
    const token = await hsToken();
    const a = await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${token}` });
    expect(a.status).toBe(202);
    const skewed = await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${await hsToken({ expIn: -5 })}` });
    expect(skewed.status).toBe(202);
    expect(await run.written()).toBe(2);
    await expect.poll(() => run.received.length, { timeout: 10_000 }).toBe(2);
    const rec = run.received.find((r) => r.key === a.body['id'])!;
    expect(rec.headers[HeaderNames.tenant]).toBe('acme');
    expect(rec.headers[HeaderNames.token]).toBe(token);
    expect(Buffer.compare(rec.value.image, SAMPLE_JPEG)).toBe(0);
  });
});

describe('httpSource token checks (RS256/ES256 from a JWKS file)', () => {
  let keys: Keys;
  let run: IngestRun;
  beforeAll(async () => {
    keys = await makeKeys();
    run = await new IngestRun({ auth: { jwks: keys.jwksFile, issuer: ISSUER, audience: AUDIENCE } }).start();
  }, 60_000);
  afterAll(async () => {
    await run?.stop();
    if (keys) removeKeys(keys);
  });

  it('accepts RS256 and ES256 tokens signed by published keys', async () => {
    for (const token of [await signedToken(keys.rsa.privateKey, 'RS256', 'rsa-1'), await signedToken(keys.ec.privateKey, 'ES256', 'ec-1')]) {
      expect((await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${token}` })).status).toBe(202);
    }
    expect(await run.written()).toBe(2);
  });

  it('refuses HS/RS confusion: an HS256 token keyed with the public RSA key', async () => {
    const publicPem = await exportSPKI((await importJWK(keys.rsa.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
    const forged = await signedToken(new TextEncoder().encode(publicPem), 'HS256', 'rsa-1');
    expectProblem(await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${forged}` }), 401, 'TOKEN_ALGORITHM_REFUSED');
  });

  it('refuses a key id the JWKS does not have', async () => {
    const t = await signedToken(keys.stranger.privateKey, 'RS256', 'rsa-9');
    expectProblem(await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${t}` }), 401, 'TOKEN_UNKNOWN_KEY');
  });

  it('refuses a token signed by another key under a known key id', async () => {
    const t = await signedToken(keys.stranger.privateKey, 'RS256', 'rsa-1');
    expectProblem(await run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${t}` }), 401, 'TOKEN_BAD_SIGNATURE');
    expect(await run.written()).toBe(2);
  });

  it('lets a later node re-verify a record token locally with the exported verifier', async () => {
    const verifier = createTokenVerifier({ jwks: keys.jwksFile, issuer: ISSUER, audience: AUDIENCE, requiredScope: 'images:write' });
    const token = await signedToken(keys.ec.privateKey, 'ES256', 'ec-1', { claims: { tenant: 'globex' } });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenant: 'globex', scopes: ['images:write'] });
  });
});

describe('createTokenVerifier with a JWKS URL', () => {
  it('fetches the keys once and verifies every token from the cache, never per request', async () => {
    const keys = await makeKeys();
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(keys.jwksFile));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const verifier = createTokenVerifier({ jwks: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, issuer: ISSUER, audience: AUDIENCE });
      for (let i = 0; i < 5; i++) await expect(verifier.verify(await signedToken(keys.rsa.privateKey, 'RS256', 'rsa-1'))).resolves.toMatchObject({ tenant: 'acme' });
      await expect(verifier.verify(await signedToken(keys.ec.privateKey, 'ES256', 'ec-1'))).resolves.toMatchObject({ tenant: 'acme' });
      // An unknown kid may refetch once per cooldown (30 s), not on every token.
      for (let i = 0; i < 3; i++) await expect(verifier.verify(await signedToken(keys.stranger.privateKey, 'RS256', 'rsa-9'))).rejects.toMatchObject({ code: 'TOKEN_UNKNOWN_KEY' });
      expect(fetches).toBe(1);
    } finally {
      server.close();
      removeKeys(keys);
    }
  }, 60_000);
});

describe('createTokenVerifier options', () => {
  it.each([
    { name: 'alg none in the allow-list', opts: { secret: SECRET, algorithms: ['none'] } },
    { name: 'HS256 next to public keys', opts: { jwks: 'https://auth.test/jwks.json', algorithms: ['HS256'] } },
    { name: 'a short secret', opts: { secret: 'short' } },
    { name: 'both a secret and a JWKS', opts: { secret: SECRET, jwks: 'https://auth.test/jwks.json' } },
  ])('refuses $name with a ConfigError', ({ opts }) => {
    expect(() => createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, ...opts })).toThrow(ConfigError);
  });
});
