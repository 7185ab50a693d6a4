import { resolveParam, type ParamOr, type Params } from '@vision-flow/core';
import type { TokenVerifierOptions } from './token-verifier.js';

/**
 * Token settings as a topology gives them: each may be a parameter. One shape for the node that
 * accepts a token (`httpSource`) and the nodes that verify it again (`verifyToken`), so both check
 * the same issuer, audience, keys, scope and tenant claim.
 */
export interface TokenAuth {
  /** HS256 shared secret; or */
  readonly secret?: ParamOr<string | null>;
  /** a JWKS file path or URL for RS256/ES256. */
  readonly jwks?: ParamOr<string | null>;
  readonly issuer: ParamOr<string>;
  readonly audience: ParamOr<string>;
  /** Scope a token needs to upload; default `images:write` (`null`: none). */
  readonly requiredScope?: ParamOr<string | null>;
  /** Claim naming the tenant; default `tenant`. */
  readonly tenantClaim?: ParamOr<string>;
  /** Allowed algorithms; default HS256 with a secret, RS256 + ES256 with a JWKS. */
  readonly algorithms?: readonly string[];
  /** Clock skew on exp/nbf, seconds; default 30. */
  readonly clockToleranceSec?: number;
}

/** The scope `TokenAuth.requiredScope` defaults to. */
export const DEFAULT_REQUIRED_SCOPE = 'images:write';

/** The verifier's options from `auth`, its parameters resolved from `params` (errors name `where`). */
export function tokenVerifierOptions(auth: TokenAuth, params: Params, where: string): TokenVerifierOptions {
  const p = <T extends string | null>(v: ParamOr<T> | undefined, what: string): T | undefined => (v === undefined ? undefined : resolveParam(v, params, `${where} ${what}`));
  const secret = p(auth.secret, 'secret');
  const jwks = p(auth.jwks, 'jwks');
  const scope = p(auth.requiredScope, 'scope');
  return {
    ...(secret ? { secret } : {}),
    ...(jwks ? { jwks } : {}),
    issuer: p(auth.issuer, 'issuer')!,
    audience: p(auth.audience, 'audience')!,
    ...(auth.algorithms ? { algorithms: auth.algorithms } : {}),
    ...(auth.clockToleranceSec !== undefined ? { clockToleranceSec: auth.clockToleranceSec } : {}),
    // `null` (given or as the parameter's value) asks for no scope; leaving it out asks for the default.
    ...(scope ? { requiredScope: scope } : auth.requiredScope === undefined ? { requiredScope: DEFAULT_REQUIRED_SCOPE } : {}),
    tenantClaim: p(auth.tenantClaim, 'tenant claim') ?? 'tenant',
  };
}
