// The image pipeline behind the HTTP front door on the real broker: `vision-flow run
// topologies/image-pipeline-http.ts` (every node in one process), then `vision-flow ingest
// ../shared/images` uploads every sample with a token; each upload is answered 202 with an id, each
// id gets a result, the image topic holds exactly the accepted images (a refused upload adds
// nothing), every record carries its tenant, and the node stops cleanly. Records forged into the
// image topic afterwards (a genuine record's bytes with its tenant changed, its token altered or
// dropped) are dead-lettered UNAUTHORIZED by the detectors, which verify each token again, and get
// no result. Genuine results reach deliver with their tenant and token (carried by the aggregate),
// which verifies them again: none is dead-lettered.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderNames, type DeadLetter } from '@vision-flow/core';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { CliProcess, REPO, jsonLines, runCli } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { expectedIds, pollUntil } from '../helpers/pipeline-processes.js';
import { readRawTopic } from '../helpers/read-raw-topic.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';

const SECRET = 'e2e-ingest-secret-of-at-least-32-bytes!';
const ISSUER = 'https://auth.e2e.test/';
const HTTP_PIPELINE = join(REPO, 'topologies', 'image-pipeline-http.ts');

const token = (tenant: string) =>
  new SignJWT({ tenant, scope: 'images:write' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience('vision-flow').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

describe('the image pipeline behind the HTTP front door (Kafka)', () => {
  const kns = new KafkaNamespace('t-ingest');
  const work = join(tmpdir(), `vf-${kns.name}`);
  const results = join(work, 'results.jsonl');
  let pipeline: CliProcess | undefined;

  beforeAll(async () => {
    await mkdir(work, { recursive: true });
    await kns.connect();
  });
  afterAll(async () => {
    await endProcesses([pipeline]);
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('gives every image uploaded with vision-flow ingest a result, and writes only accepted uploads', async () => {
    pipeline = new CliProcess(['run', HTTP_PIPELINE, ...kns.cliArgs, '--no-progress', '--out', results, '--set', `ingestSecret=${SECRET}`, '--set', `ingestIssuer=${ISSUER}`, '--set', 'ingestPort=0'], { timeoutMs: 10 * 60_000 });
    await pipeline.waitFor('the ingest endpoint', (_o, e) => /listening on http:\/\/\S+/.test(e), 120_000);
    const url = pipeline.stderr.match(/listening on (http:\/\/\S+)/)![1]!;

    // A refused upload first: it must add nothing to the image topic.
    const refused = await fetch(url, { method: 'POST', body: Buffer.from('not an image'), headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${await token('acme')}` } });
    expect(refused.status).toBe(415);

    const ingest = await runCli(['ingest', '../shared/images', '--url', url.replace('/v1/images', ''), '--no-progress', '--concurrency', '4'], { env: { VF_TOKEN: await token('acme') }, timeoutMs: 5 * 60_000 });
    expect(ingest.code, ingest.stderr).toBe(0);
    const uploads = jsonLines<{ file: string; status: number; id?: string }>(ingest.stdout);
    const expected = await expectedIds(SHARED_IMAGES, 1);
    expect(uploads).toHaveLength(expected.length);
    expect(uploads.every((u) => u.status === 202 && typeof u.id === 'string')).toBe(true);
    expect(ingest.stderr).toContain(`${expected.length} accepted, 0 rejected`);

    const ids = new Set(uploads.map((u) => u.id!));
    const delivered = async () => new Set(jsonLines<{ id: string }>(await readFile(results, 'utf8').catch(() => '')).map((r) => r.id));
    let missing = [...ids];
    await pollUntil(async () => {
      const got = await delivered();
      missing = [...ids].filter((id) => !got.has(id));
      return missing.length === 0;
    }, 5 * 60_000, 1000);
    expect(missing, pipeline.stderr.slice(-3000)).toEqual([]);

    // The aggregate carried each image's tenant and token to its result: deliver verified every one.
    expect(await kns.view.written('deliver.dlq')).toBe(0);

    const submitted = await kns.view.readAll('images.submitted');
    expect(submitted).toHaveLength(ids.size);
    expect(new Set(submitted.map((r) => r.key as string))).toEqual(ids);
    expect(submitted.every((r) => (r.value as { source: string }).source === 'tenant:acme')).toBe(true);

    // Forgeries, as whoever can write the image topic could make them from a genuine record.
    const genuine = (await readRawTopic(kns.view, 'images.submitted'))[0]!;
    const [header, , signature] = genuine.headers[HeaderNames.token]!.split('.');
    const globexClaims = Buffer.from(JSON.stringify({ tenant: 'globex', scope: 'images:write', iss: ISSUER, aud: 'vision-flow', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    const forgeries: { [id: string]: { [name: string]: string } } = {
      'forged-tenant': { ...genuine.headers, [HeaderNames.tenant]: 'globex' },
      'tampered-token': { ...genuine.headers, [HeaderNames.tenant]: 'globex', [HeaderNames.token]: `${header}.${globexClaims}.${signature}` },
      'no-token': { [HeaderNames.tenant]: 'acme' },
    };
    const producer = await kns.view.ns.producer({ acknowledge: 'each' });
    try {
      for (const [id, headers] of Object.entries(forgeries)) await producer.send({ topic: 'images.submitted', key: keyLike(genuine.key!, id), value: genuine.value, headers, timestamp: Date.now() });
    } finally {
      await producer.close();
    }
    for (const node of ['objects', 'faces']) {
      let letters: DeadLetter[] = [];
      await pollUntil(async () => (letters = (await kns.view.readAll(`${node}.dlq`).catch(() => [])).map((r) => r.value as DeadLetter)).length >= 3, 60_000, 500);
      expect(letters.map((l) => [Buffer.from(l.key!).subarray(6).toString(), l.code, l.context['problem']]).sort(), node).toEqual([
        ['forged-tenant', 'UNAUTHORIZED', 'TENANT_MISMATCH'],
        ['no-token', 'UNAUTHORIZED', 'NO_TOKEN'],
        ['tampered-token', 'UNAUTHORIZED', 'TOKEN_BAD_SIGNATURE'],
      ]);
    }
    const got = await delivered();
    expect(Object.keys(forgeries).filter((id) => got.has(id))).toEqual([]);

    await stopAndCheckExit([['pipeline', pipeline]]);
  });
});

/** A key for `text` in the writer schema of `genuine` (a Confluent-framed Avro string shorter than 64 bytes). */
function keyLike(genuine: Buffer, text: string): Buffer {
  return Buffer.concat([genuine.subarray(0, 5), Buffer.from([Buffer.byteLength(text) * 2]), Buffer.from(text)]);
}
