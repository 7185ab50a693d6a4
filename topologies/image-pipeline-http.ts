// The image pipeline behind the HTTP front door: the same nodes and topics as image-pipeline.ts,
// with images arriving as `POST /v1/images` (JWT bearer token) instead of from a folder.
//
//   vision-flow run topologies/image-pipeline-http.ts --set ingestIssuer=https://auth.example.com/ --config ingest.json
//   vision-flow ingest ../shared/images --url http://127.0.0.1:8088 --token "$VF_TOKEN"
//
// The token settings are parameters (--set, or "params" in a --config / VF_CONFIG file, the place
// for the secret): ingestSecret (HS256) or ingestJwks (a JWKS file or URL, RS256/ES256),
// ingestIssuer, ingestAudience, ingestScope, ingestTenantClaim; the listener: ingestPort, ingestHost,
// ingestQuota (images/s per tenant). The detectors verify each record's token again with the same
// settings (verifyToken): a record forged into images.submitted is dead-lettered. See docs/ingest.md.
import { param } from '@vision-flow/core';
import { httpSource } from '@vision-flow/operators';
import { imagePipeline } from './image-pipeline.js';

export * from './image-pipeline.js';

// The same token settings (the same parameters) for the front door and for the nodes that verify
// each record's token again before they act on it.
const tokens = {
  secret: param<string | null>('ingestSecret', { default: null, description: 'HS256 secret tokens are signed with (or give ingestJwks)' }),
  jwks: param<string | null>('ingestJwks', { default: null, description: 'JWKS file or URL of the RS256/ES256 keys (or give ingestSecret)' }),
  issuer: param('ingestIssuer', { description: 'the "iss" tokens must carry' }),
  audience: param('ingestAudience', { default: 'vision-flow', description: 'the "aud" tokens must carry' }),
  requiredScope: param<string | null>('ingestScope', { default: 'images:write', description: 'scope a token needs to upload' }),
  tenantClaim: param('ingestTenantClaim', { default: 'tenant', description: 'claim naming the tenant' }),
};

export default imagePipeline(
  httpSource({ auth: tokens }),
  // Each upload waits for its record to be acknowledged: more in flight keeps the producer's batches full.
  { maxInFlight: 64, ordering: 'unordered' },
  tokens,
);
