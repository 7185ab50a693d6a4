// Shared set-up of the ingest tests: keys and tokens (HS256, RS256 and ES256 with a JWKS file), and
// one running topology per test — an http source writing to a topic on the memory transport, and a
// node collecting what reaches that topic — with helpers to upload and count.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import { map, mergeMap } from 'rxjs';
import { InMemorySchemaRegistry, MemoryTransport, TopologyRunner, avro, named, topic, topology, type Rec } from '@vision-flow/core';
import type { SubmittedImage } from '../sources/directory-source.js';
import { httpSource, type HttpSourceOptions } from './http-source.js';

export const ISSUER = 'https://auth.test/';
export const AUDIENCE = 'vision-flow-ingest';
export const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';
export const SAMPLE_JPEG = readFileSync(new URL('../../../../../shared/images/coco/000000000139.jpg', import.meta.url));

const ImageSubmitted = avro.record('vision.ImageSubmitted', {
  id: avro.string(),
  image: avro.bytes(),
  contentType: avro.nullable(avro.string()),
  source: avro.nullable(avro.string()),
  submittedAt: avro.timestampMillis(),
});

/** Signing keys: RS256 and ES256 ones published in a JWKS file, and one the server does not know. */
export interface Keys {
  readonly rsa: { privateKey: CryptoKey; publicJwk: JWK };
  readonly ec: { privateKey: CryptoKey };
  readonly stranger: { privateKey: CryptoKey };
  readonly jwksFile: string;
  readonly dir: string;
}

export async function makeKeys(): Promise<Keys> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'vf-ingest-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [rsaJwk, ecJwk] }));
  return { rsa: { privateKey: rsa.privateKey, publicJwk: rsaJwk }, ec: { privateKey: ec.privateKey }, stranger: { privateKey: stranger.privateKey }, jwksFile, dir };
}

export interface TokenInit {
  readonly claims?: JWTPayload;
  readonly iss?: string;
  readonly aud?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expIn?: number;
  readonly nbfIn?: number;
}

/** Standard claims for tenant `acme` with the upload scope, overridable. */
export function claimsOf(init: TokenInit = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { tenant: 'acme', scope: 'images:write', iss: init.iss ?? ISSUER, aud: init.aud ?? AUDIENCE, iat: now, exp: now + (init.expIn ?? 300), ...(init.nbfIn !== undefined ? { nbf: now + init.nbfIn } : {}), ...init.claims };
}

export function hsToken(init: TokenInit = {}, secret = SECRET): Promise<string> {
  return new SignJWT(claimsOf(init)).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

export function signedToken(key: CryptoKey | Uint8Array, alg: string, kid: string | undefined, init: TokenInit = {}): Promise<string> {
  return new SignJWT(claimsOf(init)).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { [k: string]: unknown };
  readonly contentType: string;
}

/** One running http source on the memory transport, and what reached its output topic. */
export class IngestRun {
  readonly received: Array<Rec<string, SubmittedImage>> = [];
  readonly logs: string[] = [];
  private runner!: TopologyRunner;
  private transport = new MemoryTransport();
  url = '';

  /** `node.slowMs`: each record waits this long before it is written (a slow producer); `node.maxInFlight`: the ingest node's slots. */
  constructor(
    private readonly options: Omit<HttpSourceOptions, 'port' | 'host'>,
    private readonly node: { readonly maxInFlight?: number; readonly slowMs?: number } = {},
  ) {}

  async start(): Promise<this> {
    const images = topic('images.submitted', { value: ImageSubmitted, partitions: 2, maxMessageBytes: 16 << 20 });
    const slowMs = this.node.slowMs ?? 0;
    const t = topology('ingest-test')
      .node('ingest', (n) => n.source(httpSource({ ...this.options, port: 0, host: '127.0.0.1' })).pipe(named('slow', mergeMap(async (r: Rec<string, SubmittedImage>) => (await new Promise((resolve) => setTimeout(resolve, slowMs)), r)))).to(images), { maxInFlight: this.node.maxInFlight ?? 16, ordering: 'unordered' })
      .node('collect', (n) => n.from(images).pipe(named('collect', map((r: Rec<string, SubmittedImage>) => (this.received.push(r), r)))));
    this.runner = new TopologyRunner(t, { transport: this.transport, registry: new InMemorySchemaRegistry(), log: (m) => this.logs.push(m), node: { pollTimeoutMs: 20 } });
    await this.runner.start();
    const line = this.logs.find((l) => l.includes('ingest listening on'));
    this.url = line!.match(/(http:\/\/\S+)/)![1]!;
    return this;
  }

  /** Records written to the image topic (end offsets), whether or not collected yet. */
  async written(): Promise<number> {
    const ends = await this.transport.admin().endOffsets('images.submitted');
    return ends.reduce((n, e) => n + Number(e.offset), 0);
  }

  async post(body: Buffer | undefined, headers: { [k: string]: string } = {}): Promise<Answer> {
    const res = await fetch(this.url, { method: 'POST', body: body ?? null, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as { [k: string]: unknown }) : {}, contentType: res.headers.get('content-type') ?? '' };
  }

  async stop(): Promise<void> {
    await this.runner.stop('test');
    await this.transport.close();
  }

  /** Records the ingest node has taken and not finished writing. */
  inFlight(): number {
    return this.runner.stats().find((st) => st.node === 'ingest')?.inFlight ?? 0;
  }

  /** The graceful stop alone (SIGTERM), without closing the transport; for tests that look at uploads during it. */
  stopNode(): Promise<void> {
    return this.runner.stop('SIGTERM');
  }
}

export function removeKeys(keys: Keys): void {
  rmSync(keys.dir, { recursive: true, force: true });
}
