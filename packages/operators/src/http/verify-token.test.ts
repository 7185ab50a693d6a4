// verifyToken re-verifies a record's vf-token locally before a node acts on its tenant: in a running
// topology (the embedded runtime) a record with a forged tenant, a tampered, foreign, missing or
// (at its timestamp) expired token is dead-lettered as UNAUTHORIZED and never reaches a tenant
// topic, while a genuine one passes even when its token has expired since it was accepted.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, HeaderNames, param, perTenant, topic, topology } from '@vision-flow/core';
import { Item, testDriver, type TestDriver } from '@vision-flow/core/testing';
import { AUDIENCE, ISSUER, SECRET, hsToken, makeKeys, removeKeys, signedToken } from './ingest.test-setup.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { verifyToken } from './verify-token.js';

const results = topic('vt.results', { value: Item, partitions: 1 });
const analyses = topic('vt.analyses', { value: Item, partitions: 1 });
const auth = { secret: SECRET, issuer: ISSUER, audience: AUDIENCE };

const drivers: TestDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

async function route(params: { [name: string]: unknown } = {}, opts: Parameters<typeof verifyToken>[0] = { auth }): Promise<TestDriver> {
  const t = topology('verify-token').node('route', (n) => n.from(results).pipe(verifyToken(opts)).to(perTenant(analyses, { tenants: ['acme', 'globex'] })));
  const d = await testDriver(t, { params: params as never, log: () => undefined });
  drivers.push(d);
  return d;
}

/** A token's claims part replaced (the signature no longer matches). */
function tampered(token: string, claims: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

const tenantTopic = (tenant: string) => topic(`vt.analyses.${tenant}`, { value: Item, partitions: 1 });

describe('verifyToken', () => {
  it('passes records its token vouches for and dead-letters forged, tampered, foreign, missing and expired ones as UNAUTHORIZED', async () => {
    const d = await route();
    const input = d.inputTopic(results);
    const now = Date.now();
    const acme = await hsToken({ claims: { tenant: 'acme' } });
    const headers = (tenant: string | undefined, token: string | undefined) => ({ ...(tenant ? { [HeaderNames.tenant]: tenant } : {}), ...(token ? { [HeaderNames.token]: token } : {}) });

    await input.pipeInput('ok', { id: 'ok' }, now, headers('acme', acme));
    await input.pipeInput('forged-tenant', { id: 'forged-tenant' }, now, headers('globex', acme));
    const claims = JSON.parse(Buffer.from(acme.split('.')[1]!, 'base64url').toString()) as object;
    await input.pipeInput('tampered', { id: 'tampered' }, now, headers('globex', tampered(acme, { ...claims, tenant: 'globex' })));
    await input.pipeInput('foreign-key', { id: 'foreign-key' }, now, headers('acme', await hsToken({}, 'another-secret-of-at-least-32-bytes!!')));
    await input.pipeInput('no-token', { id: 'no-token' }, now, headers('acme', undefined));
    await input.pipeInput('no-tenant', { id: 'no-tenant' }, now, headers(undefined, acme));
    await input.pipeInput('wrong-issuer', { id: 'wrong-issuer' }, now, headers('acme', await hsToken({ iss: 'https://evil.example/' })));
    // Accepted 10 minutes after its token expired (beyond the 30 s skew): refused.
    await input.pipeInput('expired-when-accepted', { id: 'expired-when-accepted' }, now + 600_000, headers('acme', await hsToken({ expIn: 60 })));
    // Accepted while its token was valid, processed after it expired (the record waited): passes.
    const shortLived = await hsToken({ claims: { tenant: 'globex' }, expIn: -120 });
    await input.pipeInput('waited', { id: 'waited' }, now - 300_000, headers('globex', shortLived));

    expect(d.outputTopic(tenantTopic('acme')).readKeyValuesToList()).toEqual([['ok', { id: 'ok' }]]);
    expect(d.outputTopic(tenantTopic('globex')).readKeyValuesToList()).toEqual([['waited', { id: 'waited' }]]);
    const letters = d.deadLetters('route');
    expect(letters.map((l) => [l.key, l.code, l.context['problem']])).toEqual([
      ['forged-tenant', 'UNAUTHORIZED', 'TENANT_MISMATCH'],
      ['tampered', 'UNAUTHORIZED', 'TOKEN_BAD_SIGNATURE'],
      ['foreign-key', 'UNAUTHORIZED', 'TOKEN_BAD_SIGNATURE'],
      ['no-token', 'UNAUTHORIZED', 'NO_TOKEN'],
      ['no-tenant', 'UNAUTHORIZED', 'TENANT_MISMATCH'],
      ['wrong-issuer', 'UNAUTHORIZED', 'TOKEN_WRONG_ISSUER'],
      ['expired-when-accepted', 'UNAUTHORIZED', 'TOKEN_EXPIRED'],
    ]);
    const forged = letters[0]!;
    expect(forged.message).toContain('vf-tenant header says "globex" but its token is tenant "acme"\'s');
    expect(forged.context).toMatchObject({ tenant: 'globex', tokenTenant: 'acme' });
    expect(forged.attempts).toBe(1); // a refusal is not retried
  });

  it('checks the same scope and keys as httpSource, from the same parameters', async () => {
    const keys = await makeKeys();
    try {
      const d = await route({ ingestJwks: keys.jwksFile, ingestIssuer: ISSUER }, { auth: { jwks: param('ingestJwks'), issuer: param('ingestIssuer'), audience: AUDIENCE } });
      const input = d.inputTopic(results);
      const now = Date.now();
      const rs = (init = {}) => signedToken(keys.rsa.privateKey, 'RS256', 'rsa-1', init);
      await input.pipeInput('rs256', { id: 'rs256' }, now, { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: await rs() });
      await input.pipeInput('no-scope', { id: 'no-scope' }, now, { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: await rs({ claims: { scope: 'images:read' } }) });
      await input.pipeInput('stranger', { id: 'stranger' }, now, { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: await signedToken(keys.stranger.privateKey, 'RS256', 'rsa-1') });
      // A shared-secret token where public keys are configured: the HS/RS confusion, refused.
      await input.pipeInput('hs-confusion', { id: 'hs-confusion' }, now, { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: await hsToken() });

      expect(d.outputTopic(tenantTopic('acme')).readValuesToList()).toEqual([{ id: 'rs256' }]);
      expect(d.deadLetters('route').map((l) => [l.key, l.context['problem']])).toEqual([
        ['no-scope', 'INSUFFICIENT_SCOPE'],
        ['stranger', 'TOKEN_BAD_SIGNATURE'],
        ['hs-confusion', 'TOKEN_ALGORITHM_REFUSED'],
      ]);
    } finally {
      removeKeys(keys);
    }
  });

  it('refuses bad settings when the pipe is built, and records older than maxRecordAge', async () => {
    expect(() => verifyToken({ auth: { secret: 'short', issuer: ISSUER, audience: AUDIENCE } })).toThrow(ConfigError);
    const d = await route({}, { auth, maxRecordAge: '1h' });
    await d.inputTopic(results).pipeInput('old', { id: 'old' }, Date.now() - 2 * 3600_000, { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: await hsToken({ expIn: -7000 }) });
    expect(d.deadLetters('route').map((l) => [l.key, l.context['problem']])).toEqual([['old', 'RECORD_TOO_OLD']]);
  });
});

describe('createTokenVerifier at a given time', () => {
  it('checks exp and nbf against `at`, with the clock skew', async () => {
    const verifier = createTokenVerifier(auth);
    const token = await hsToken({ expIn: 60 });
    const now = Date.now();
    await expect(verifier.verify(token, { at: now + 60_000 + 20_000 })).resolves.toMatchObject({ tenant: 'acme' }); // within 30 s of skew
    await expect(verifier.verify(token, { at: now + 60_000 + 40_000 })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(verifier.verify(await hsToken({ nbfIn: 120 }), { at: now })).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    await expect(verifier.verify(await hsToken({ nbfIn: 120 }), { at: now + 120_000 })).resolves.toMatchObject({ tenant: 'acme' });
  });
});
