import { describeParam, param, resolveParam, type ParamOr, type Source, type SourceReader } from '@vision-flow/core';
import type { SubmittedImage } from '../sources/directory-source.js';
import { tokenVerifierOptions, type TokenAuth } from './auth/token-auth.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { IdempotencyCache } from './idempotency-cache.js';
import { IMAGES_PATH } from './images-path.js';
import { SubmissionQueue } from './submission-queue.js';
import { TenantQuota } from './tenant-quota.js';

/** Token settings; each may be a topology parameter (see docs/ingest.md for the names the image pipeline uses). */
export type HttpSourceAuth = TokenAuth;

export interface HttpSourceOptions {
  readonly auth: HttpSourceAuth;
  /** Port to listen on; default the parameter `ingestPort` (default 8088); 0 picks a free one (logged). */
  readonly port?: ParamOr<number>;
  /** Address to listen on; default the parameter `ingestHost` (default 127.0.0.1). */
  readonly host?: ParamOr<string>;
  /** Largest body, bytes; default 16 MiB (the image topic's limit). */
  readonly maxBytes?: number;
  /** Largest width × height in the image header; default 50 000 000. */
  readonly maxPixels?: number;
  /** The body must arrive within this, ms; default 10 000. Headers within `headersTimeoutMs` (default 5 000). */
  readonly bodyTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** Uploads handled at once; default 64. More get 503. */
  readonly maxInFlight?: number;
  /** Checked uploads waiting for the node to write them; default 64. More get 503. */
  readonly maxQueued?: number;
  /** Retry-After of a 503, seconds; default 1. */
  readonly retryAfterSec?: number;
  /** An upload whose record is not confirmed written within this gets 503 instead of waiting on, ms; default 5 000. */
  readonly ackTimeoutMs?: number;
  /** Per-tenant quota, images/s (token bucket); default the parameter `ingestQuota` (default none). */
  readonly quotaPerSec?: ParamOr<number | null>;
  /** Bucket size of the quota; default one second's worth. */
  readonly quotaBurst?: number;
  /** How long an Idempotency-Key's answer is kept, ms; default 24 h. At most `idempotencyMaxKeys` (default 100 000) are kept. */
  readonly idempotencyTtlMs?: number;
  readonly idempotencyMaxKeys?: number;
}

/**
 * The HTTP front door as a source: `POST /v1/images` with a JWT bearer token, answered `202 {id}`
 * once the image's record is written to the node's output topic. Each record carries its tenant
 * (`vf-tenant`) and token (`vf-token`) in headers. Unbounded: it serves until the node stops, then
 * refuses new uploads (503), finishes those in flight, and lets the node drain.
 *
 * When to use: devices and services that push images. For stored images use `directorySource`.
 *
 * @example
 * .node('ingest', (n) => n.source(httpSource({ auth: { secret: param('ingestSecret'), issuer: 'https://auth.example.com/', audience: 'vision-flow' } })).to(images))
 * @see createTokenVerifier
 */
export function httpSource(opts: HttpSourceOptions): Source<string, SubmittedImage> {
  const port = opts.port ?? param('ingestPort', { default: 8088, description: 'port the HTTP ingest listens on' });
  const host = opts.host ?? param('ingestHost', { default: '127.0.0.1', description: 'address the HTTP ingest listens on' });
  const quotaPerSec = opts.quotaPerSec ?? param<number | null>('ingestQuota', { default: null, description: 'per-tenant uploads per second' });
  const limits = {
    maxBytes: opts.maxBytes ?? 16 << 20,
    maxPixels: opts.maxPixels ?? 50_000_000,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? 10_000,
    headersTimeoutMs: opts.headersTimeoutMs ?? 5_000,
    maxInFlight: opts.maxInFlight ?? 64,
    retryAfterSec: opts.retryAfterSec ?? 1,
    ackTimeoutMs: opts.ackTimeoutMs ?? 5_000,
  };
  const maxQueued = opts.maxQueued ?? 64;
  return {
    kind: 'http-ingest',
    unit: 'images',
    bounded: false,
    describe: () => ({ port: describeParam(port), host: describeParam(host), path: IMAGES_PATH, ...limits, maxQueued, quotaPerSec: describeParam(quotaPerSec), issuer: describeParam(opts.auth.issuer), audience: describeParam(opts.auth.audience) }),
    async open(ctx): Promise<SourceReader<string, SubmittedImage>> {
      const where = `node "${ctx.node}" http source`;
      const p = <T extends string | number | null>(v: ParamOr<T> | undefined, what: string): T | undefined => (v === undefined ? undefined : resolveParam(v, ctx.params, `${where} ${what}`));
      const verifier = createTokenVerifier(tokenVerifierOptions(opts.auth, ctx.params, where));
      const rate = p(quotaPerSec, 'quota');
      const queue = new SubmissionQueue<string, SubmittedImage>(maxQueued, limits.retryAfterSec);
      // fastify and its plugins (~0.1 s of CPU) load here, in the processes that serve uploads, not in every process that imports the package.
      const { IngestServer } = await import('./ingest-server.js');
      const server = new IngestServer({
        verifier,
        queue,
        idempotency: new IdempotencyCache(opts.idempotencyMaxKeys ?? 100_000, opts.idempotencyTtlMs ?? 24 * 3600_000),
        quota: rate ? new TenantQuota({ ratePerSec: Number(rate), ...(opts.quotaBurst ? { burst: opts.quotaBurst } : {}) }) : undefined,
        limits,
        log: ctx.log,
      });
      const address = await server.listen(p(host, 'host')!, Number(p(port, 'port')));
      ctx.log(`${ctx.node}: HTTP ingest listening on http://${address.address}:${address.port}${IMAGES_PATH}`);
      let closing: Promise<void> | undefined;
      return {
        next: () => queue.take(),
        // Stop answering 202 to new uploads at once, refuse those not yet taken, and wait for those
        // taken to be written (the node's producer is still open while its source closes).
        close: () => (closing ??= (queue.close(), server.stop())),
      };
    },
  };
}
