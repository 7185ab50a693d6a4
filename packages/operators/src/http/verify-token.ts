import { mergeMap, type OperatorFunction } from 'rxjs';
import { HeaderNames, PoisonRecordError, VisionFlowError, isParam, toMillis, withContext, type Duration, type Rec } from '@vision-flow/core';
import { tokenVerifierOptions, type TokenAuth } from './auth/token-auth.js';
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js';
import { HttpProblem } from './http-problem.js';

export interface VerifyTokenOptions {
  /** The same token settings as the `httpSource` that accepted the records (often the same parameters). */
  readonly auth: TokenAuth;
  /**
   * Refuse records accepted longer ago than this (by their timestamp); default no bound. The token
   * is checked at the record's timestamp, so whoever can write the topic could pair an old, expired
   * token with an old timestamp; a bound limits that, at the price of refusing records a long
   * outage kept waiting longer.
   */
  readonly maxRecordAge?: Duration | null;
}

/** Dead-letter code of a record whose token does not vouch for it. */
export const UNAUTHORIZED = 'UNAUTHORIZED';

/**
 * Verifies again, locally, that each record is vouched for by its token: the `vf-token` header
 * must be a token the configured issuer signed for this audience (signature, algorithm, `iss`,
 * `aud`, scope, tenant claim: the checks `httpSource` made), valid at the record's timestamp (when
 * it was accepted; a record may wait in a topic past its token's expiry), and its tenant claim must
 * be the record's `vf-tenant` header. A record that fails any check is dead-lettered with code
 * UNAUTHORIZED, the check that failed in the `problem` context field; it never reaches the stages
 * after. Nothing is called per record (a JWKS URL is fetched and cached as in `httpSource`); keys
 * that cannot be fetched are a retriable error, not a refusal.
 *
 * When to use: before a node acts on a record's tenant (a per-tenant topic, a webhook), when the
 * topics before it may be written by more than the nodes of the topology.
 *
 * @example
 * .node('route', (n) => n.from(results).pipe(verifyToken({ auth: { secret: param('ingestSecret'), issuer: 'https://auth.example.com/', audience: 'vision-flow' } })).to(perTenant(analyses)))
 * @see httpSource
 * @see createTokenVerifier
 */
export function verifyToken<K, V>(opts: VerifyTokenOptions): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  const maxAgeMs = opts.maxRecordAge == null ? undefined : toMillis(opts.maxRecordAge);
  const { auth } = opts;
  // Bad settings fail when the topology is built, unless they come from parameters (known at node start).
  const fromParams = [auth.secret, auth.jwks, auth.issuer, auth.audience, auth.requiredScope, auth.tenantClaim].some(isParam);
  if (!fromParams) createTokenVerifier(tokenVerifierOptions(auth, {}, 'verifyToken'));
  return withContext('verifyToken', (ctx) => {
    const verifier = createTokenVerifier(tokenVerifierOptions(auth, ctx.params, `node "${ctx.node}" verifyToken`));
    return (source) => source.pipe(mergeMap(async (rec) => (await vouch(rec, verifier, maxAgeMs), rec)));
  });
}

async function vouch(rec: Rec<unknown, unknown>, verifier: TokenVerifier, maxAgeMs: number | undefined): Promise<void> {
  const claimed = rec.headers[HeaderNames.tenant];
  const refuse = (problem: string, why: string, context: { [k: string]: string } = {}, cause?: unknown) =>
    new PoisonRecordError(UNAUTHORIZED, `verifyToken: ${why}; the record was not accepted by a trusted front door, or was altered after it`, { problem, tenant: claimed ?? '', ...context }, cause);
  if (maxAgeMs !== undefined && Date.now() - rec.timestamp > maxAgeMs) {
    throw refuse('RECORD_TOO_OLD', `the record was accepted at ${new Date(rec.timestamp).toISOString()}, more than ${maxAgeMs} ms ago (maxRecordAge)`);
  }
  const token = rec.headers[HeaderNames.token];
  if (!token) throw refuse('NO_TOKEN', `the record has no ${HeaderNames.token} header`);
  let tenant: string;
  try {
    ({ tenant } = await verifier.verify(token, { at: rec.timestamp }));
  } catch (e) {
    if (!(e instanceof HttpProblem)) throw e;
    // The keys could not be fetched: not the record's fault, try it again.
    if (e.retriable) throw new VisionFlowError(`verifyToken: ${e.message}`, { code: e.code, retriable: true, cause: e });
    throw refuse(e.code, `its ${HeaderNames.token} does not verify at the record's timestamp ${new Date(rec.timestamp).toISOString()} (${e.code}: ${e.message})`, {}, e);
  }
  if (claimed !== tenant) {
    throw refuse('TENANT_MISMATCH', claimed === undefined ? `the record has no ${HeaderNames.tenant} header, its token is tenant "${tenant}"'s` : `its ${HeaderNames.tenant} header says "${claimed}" but its token is tenant "${tenant}"'s`, { tokenTenant: tenant });
  }
}
