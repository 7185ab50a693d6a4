import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HeaderNames, record, type Outcome } from '@vision-flow/core';
import type { SubmittedImage } from '../sources/directory-source.js';
import type { TokenVerifier, VerifiedToken } from './auth/token-verifier.js';
import { checkImage, IMAGE_CONTENT_TYPES } from './check-image.js';
import { HttpProblem } from './http-problem.js';
import { IMAGES_PATH } from './images-path.js';
import type { IdempotencyCache, StoredAnswer } from './idempotency-cache.js';
import { readLimitedBody } from './read-limited-body.js';
import type { SubmissionQueue } from './submission-queue.js';
import type { TenantQuota } from './tenant-quota.js';
import { UploadTiming } from './upload-timing.js';

export interface IngestLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
  readonly bodyTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Upload requests handled at once (reading, checking or waiting to be written); more get 503. */
  readonly maxInFlight: number;
  readonly retryAfterSec: number;
  /** An upload whose write is not confirmed within this gets 503 (its outcome stays under its Idempotency-Key). */
  readonly ackTimeoutMs: number;
}

export interface IngestServerOptions {
  readonly verifier: TokenVerifier;
  readonly queue: SubmissionQueue<string, SubmittedImage>;
  readonly idempotency: IdempotencyCache;
  readonly quota: TenantQuota | undefined;
  readonly limits: IngestLimits;
  readonly log: (message: string) => void;
}

const PROBLEM_TYPE = 'application/problem+json';

/**
 * The front door's HTTP side on fastify: `POST /v1/images` (raw image body, or multipart for
 * browsers), `/health` and `/ready`. Cheap refusals come first — stopping, full, token, quota —
 * before a byte of the body is read; then the body (bounded, timed), the image check, and the
 * record, answered 202 only once the node has written it.
 */
export class IngestServer {
  private readonly app: FastifyInstance;
  private readonly auth = new WeakMap<FastifyRequest, VerifiedToken & { token: string }>();
  /** Requests holding an in-flight slot, with when they arrived (the write deadline counts from there). */
  private readonly holding = new WeakMap<FastifyRequest, number>();
  private readonly timings = new WeakMap<FastifyRequest, UploadTiming>();
  private inFlight = 0;
  private accepting = true;

  constructor(private readonly opts: IngestServerOptions) {
    const { limits } = opts;
    // Node's own timers end slow-loris headers; its checks run every second, not the default 30 s.
    const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer({ headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 1000, connectionsCheckingInterval: 1000, keepAliveTimeout: 5000 }, handler);
    // An upload arriving on an open connection while the server closes reaches `admit`, which answers
    // 503 INGEST_STOPPING with Retry-After; fastify's own closing answer would be a bare 503.
    this.app = Fastify({ serverFactory, logger: false, return503OnClosing: false, forceCloseConnections: 'idle' });
    this.app.removeAllContentTypeParsers();
    this.app.addContentTypeParser([...Object.keys(IMAGE_CONTENT_TYPES), 'application/octet-stream'], (req: FastifyRequest, payload: IncomingMessage) => readLimitedBody(payload, req.headers['content-length'], limits));
    void this.app.register(fastifyMultipart, { limits: { fileSize: limits.maxBytes + 1, files: 1, fields: 10, parts: 11 } });
    this.app.setErrorHandler((e, req, reply) => this.refuse(reply, toProblem(e, this.opts.log), req.url));
    this.app.setNotFoundHandler((req, reply) => this.refuse(reply, new HttpProblem(404, 'NOT_FOUND', 'Not found', `nothing at ${req.method} ${req.url}; upload with POST ${IMAGES_PATH}`), req.url));
    this.app.get('/health', async () => ({ status: 'ok' }));
    this.app.get('/ready', async (_req, reply) => (this.isReady ? { status: 'ready' } : reply.code(503).header('retry-after', String(limits.retryAfterSec)).send({ status: this.accepting ? 'busy' : 'stopping' })));
    this.app.post(IMAGES_PATH, { onRequest: (req) => this.admit(req), onResponse: async (req) => this.release(req) }, (req, reply) => this.upload(req, reply));
  }

  /** Accepting, and room for more. */
  get isReady(): boolean {
    return this.accepting && !this.opts.queue.isFull && this.inFlight < this.opts.limits.maxInFlight;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await this.app.listen({ host, port });
    return this.app.server.address() as AddressInfo;
  }

  /** Stop accepting (503 from now), then wait for the requests in flight to get their answers. */
  async stop(): Promise<void> {
    this.accepting = false;
    await this.app.close();
  }

  private async admit(req: FastifyRequest): Promise<void> {
    const { limits, queue, verifier, quota } = this.opts;
    if (!this.accepting) throw new HttpProblem(503, 'INGEST_STOPPING', 'Stopping', 'this ingest node is shutting down; try again (another instance will answer)', { 'retry-after': String(limits.retryAfterSec), connection: 'close' });
    if (this.inFlight >= limits.maxInFlight || queue.isFull) {
      throw new HttpProblem(503, 'INGEST_BUSY', 'Busy', `this ingest node has ${this.inFlight} uploads in flight and ${queue.length} waiting to be written; try again after ${limits.retryAfterSec} s`, { 'retry-after': String(limits.retryAfterSec) });
    }
    // Take the slot before any await, so concurrent requests cannot all pass the check above.
    this.holding.set(req, Date.now());
    this.inFlight++;
    const timing = new UploadTiming();
    this.timings.set(req, timing);
    const header = req.headers.authorization;
    const token = header?.match(/^Bearer +([^ ]+)$/i)?.[1];
    if (!token) {
      throw new HttpProblem(401, header ? 'AUTHORIZATION_MALFORMED' : 'NO_TOKEN', 'Unauthorized', header ? 'the Authorization header is not "Bearer <token>"; send the JWT as a bearer token' : 'no bearer token; send "Authorization: Bearer <JWT>"', { 'www-authenticate': 'Bearer' });
    }
    const verified = await verifier.verify(token);
    quota?.take(verified.tenant);
    this.auth.set(req, { ...verified, token });
    timing.mark('auth');
  }

  private release(req: FastifyRequest): void {
    if (this.holding.delete(req)) this.inFlight--;
  }

  private async upload(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { limits, idempotency } = this.opts;
    const auth = this.auth.get(req)!;
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key))) {
      throw new HttpProblem(400, 'IDEMPOTENCY_KEY_INVALID', 'Bad Idempotency-Key', 'the Idempotency-Key header must be 1–255 visible ASCII characters (a UUID is best)');
    }
    const timing = this.timings.get(req)!;
    const { bytes, contentType } = await this.body(req);
    timing.mark('body');
    const checked = await checkImage(bytes, contentType, limits.maxPixels);
    timing.mark('check');
    const earlier = key ? idempotency.get(auth.tenant, key) : undefined;
    if (earlier) {
      const a = await this.withinDeadline(earlier, key, this.holding.get(req)!);
      if (a.status >= 300) throw a.body as HttpProblem;
      return reply.code(a.status).header('idempotent-replayed', 'true').send(a.body);
    }
    const answer = this.submit(auth, bytes, checked.contentType, () => timing.mark('queue'));
    if (key) idempotency.put(auth.tenant, key, answer);
    const a = await this.withinDeadline(answer, key, this.holding.get(req)!);
    if (a.status >= 300) throw a.body as HttpProblem;
    timing.mark('write');
    return reply.code(a.status).header('server-timing', timing.header()).send(a.body);
  }

  /**
   * The answer, or a 503 once `ackTimeoutMs` have passed since the request arrived without the
   * write being confirmed: an overloaded node makes clients retry later instead of timing out. The
   * write goes on; its outcome is what a retry with the same Idempotency-Key gets.
   */
  private async withinDeadline(answer: Promise<StoredAnswer>, key: string | undefined, arrived: number): Promise<StoredAnswer> {
    const { ackTimeoutMs, retryAfterSec } = this.opts.limits;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<StoredAnswer>((resolve) => {
      timer = setTimeout(() => {
        const how = key ? 'retry with the same Idempotency-Key to get its outcome' : 'send an Idempotency-Key so that a retry cannot store it twice';
        resolve({ status: 503, body: new HttpProblem(503, 'WRITE_UNCONFIRMED', 'Write not confirmed', `the image was taken but its write was not confirmed within ${ackTimeoutMs} ms; ${how}`, { 'retry-after': String(retryAfterSec) }) });
      }, Math.max(0, arrived + ackTimeoutMs - Date.now()));
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async body(req: FastifyRequest): Promise<{ bytes: Buffer; contentType: string | undefined }> {
    const { limits } = this.opts;
    if (!req.isMultipart()) return { bytes: (req.body as Buffer | undefined) ?? Buffer.alloc(0), contentType: req.headers['content-type']?.split(';')[0]!.trim().toLowerCase() };
    const part = await req.file();
    if (!part) throw new HttpProblem(400, 'NO_FILE', 'No file', 'the multipart form has no file part; send the image as a file field (e.g. name="image")');
    const bytes = await readLimitedBody(part.file, undefined, limits);
    if (part.file.truncated) throw new HttpProblem(413, 'IMAGE_TOO_MANY_BYTES', 'Image too large', `the file is larger than ${limits.maxBytes} bytes; shrink or re-encode it`, { connection: 'close' }, { maxBytes: limits.maxBytes });
    return { bytes, contentType: part.mimetype.toLowerCase() };
  }

  /** Submits the record and turns its outcome into the answer: 202 once written, else a problem. */
  private async submit(auth: VerifiedToken & { token: string }, image: Buffer, contentType: string, taken: () => void): Promise<StoredAnswer> {
    const id = randomUUID();
    const submittedAt = Date.now();
    const value: SubmittedImage = { id, image, contentType, source: `tenant:${auth.tenant}`, submittedAt };
    let outcome: Outcome;
    try {
      outcome = await this.opts.queue.submit({ record: record({ key: id, value, timestamp: submittedAt, headers: { [HeaderNames.tenant]: auth.tenant, [HeaderNames.token]: auth.token } }) }, taken);
    } catch (e) {
      return { status: (e as HttpProblem).status, body: e };
    }
    if (outcome.ok) return { status: 202, body: { id } };
    const { error } = outcome;
    const problem = error instanceof HttpProblem ? error : error.retriable
      ? new HttpProblem(503, 'NOT_WRITTEN', 'Not written', `the image could not be written (${error.code}: ${error.message}); try again`, { 'retry-after': String(this.opts.limits.retryAfterSec) })
      : new HttpProblem(422, 'NOT_WRITTEN', 'Not written', `the image was refused by the pipeline (${error.code}: ${error.message}); it was dead-lettered`);
    return { status: problem.status, body: problem };
  }

  private refuse(reply: FastifyReply, p: HttpProblem, instance: string): FastifyReply {
    return reply.code(p.status).headers(p.headers).type(PROBLEM_TYPE).send(p.body(instance));
  }
}

/** Any error on the way, as a problem: ours as they are, fastify's and the multipart plugin's by their code. */
function toProblem(e: unknown, log: (m: string) => void): HttpProblem {
  if (e instanceof HttpProblem) return e;
  const { code, statusCode, message } = e as { code?: string; statusCode?: number; message?: string };
  const accepted = `${Object.keys(IMAGE_CONTENT_TYPES).join(', ')}, application/octet-stream or multipart/form-data`;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpProblem(415, 'UNSUPPORTED_CONTENT_TYPE', 'Unsupported content type', `this endpoint takes ${accepted}; set Content-Type to the image's type`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem(400, 'BODY_LENGTH_MISMATCH', 'Body length mismatch', 'the body is not as long as its Content-Length says; send the whole body');
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpProblem(413, 'IMAGE_TOO_MANY_BYTES', 'Image too large', 'the file is larger than this endpoint takes; shrink or re-encode it', { connection: 'close' });
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new HttpProblem(400, 'MULTIPART_TOO_MANY_PARTS', 'Too many parts', 'send one file part (the image) and few fields');
  }
  if (statusCode && statusCode >= 400 && statusCode < 500) return new HttpProblem(statusCode, code ?? 'BAD_REQUEST', 'Bad request', `${message ?? 'the request is malformed'}; fix the request`);
  log(`ingest: unexpected error: ${message ?? String(e)}`);
  return new HttpProblem(500, 'INTERNAL', 'Internal error', 'the ingest node failed on this request; try again, and report it if it persists');
}
