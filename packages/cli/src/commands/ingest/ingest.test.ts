// `vision-flow ingest` against a running http source: a tenant quota makes it retry (after the
// Retry-After it is given) until every image is in, and a bad file is reported rejected with the
// server's reason while the others still go through.
import { createHmac } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry, MemoryTransport, TopologyRunner, avro, topic, topology } from '@vision-flow/core';
import { httpSource } from '@vision-flow/operators';
import { run } from './index.js';

const SECRET = 'cli-ingest-test-secret-at-least-32-bytes';
const SAMPLES = fileURLToPath(new URL('../../../../../../shared/images/coco/', import.meta.url));
const Image = avro.record('vision.ImageSubmitted', { id: avro.string(), image: avro.bytes(), contentType: avro.nullable(avro.string()), source: avro.nullable(avro.string()), submittedAt: avro.timestampMillis() });

/** An HS256 JWT, signed by hand (RFC 7519): the CLI only passes tokens on. */
function hs256(claims: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

describe('vision-flow ingest', () => {
  const transport = new MemoryTransport();
  const logs: string[] = [];
  let runner: TopologyRunner;
  let url = '';
  let dir = '';
  const token = hs256({ tenant: 'acme', scope: 'images:write', iss: 'https://auth.test/', aud: 'vision-flow', exp: Math.floor(Date.now() / 1000) + 600 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-ingest-cli-'));
    for (const f of ['000000000139.jpg', '000000000285.jpg', '000000000632.jpg', '000000000724.jpg', '000000000776.jpg', '000000000785.jpg']) await copyFile(join(SAMPLES, f), join(dir, f));
    const source = httpSource({ auth: { secret: SECRET, issuer: 'https://auth.test/', audience: 'vision-flow' }, port: 0, quotaPerSec: 3, quotaBurst: 2 });
    runner = new TopologyRunner(topology('cli-ingest').node('ingest', (n) => n.source(source).to(topic('images', { value: Image }))), { transport, registry: new InMemorySchemaRegistry(), log: (m) => logs.push(m) });
    await runner.start();
    url = logs.find((l) => l.includes('listening on'))!.match(/(http:\/\/[\d.]+:\d+)/)![1]!;
  });
  afterAll(async () => {
    await runner.stop();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries 429s after Retry-After until every image is accepted', async () => {
    const lines: string[] = [];
    const result = await run([dir], { url, token, concurrency: 4, progress: false }, {}, (l) => lines.push(l));
    expect({ accepted: result.accepted, rejected: result.rejected, exitCode: result.exitCode }).toEqual({ accepted: 6, rejected: 0, exitCode: 0 });
    expect(result.retried).toBeGreaterThan(0);
    expect(lines.map((l) => JSON.parse(l) as { status: number }).every((o) => o.status === 202)).toBe(true);
    expect((await transport.admin().endOffsets('images')).reduce((n, e) => n + Number(e.offset), 0)).toBe(6);
  });

  it('reports a bad file rejected with its reason, and exits 1', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the bucket refills
    const bad = join(dir, 'notes.jpg');
    await writeFile(bad, 'not an image');
    const result = await run([bad, join(dir, '000000000139.jpg')], { url, token, progress: false }, {}, () => undefined);
    expect({ accepted: result.accepted, rejected: result.rejected, exitCode: result.exitCode }).toEqual({ accepted: 1, rejected: 1, exitCode: 1 });
    expect(result.summary.join('\n')).toMatch(/rejected ×1: 415 NOT_AN_IMAGE: the bytes are not a JPEG, PNG or WebP/);
  });

  it('names the missing token and URL', async () => {
    await expect(run([dir], { url }, {})).rejects.toThrow(/--token <JWT> or set VF_TOKEN/);
    await expect(run([dir], { token }, {})).rejects.toThrow(/--url http:\/\/host:port/);
  });
});
