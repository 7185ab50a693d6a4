/** Record headers an accepted upload carries: its tenant (from the token's claim) and the bearer token, for local re-verification downstream. */
export const IngestHeaders = {
  tenant: 'vf-tenant',
  token: 'vf-token',
} as const;
