// Idempotency keys, the per-tenant quota (429), backpressure (503 with Retry-After, never an
// unbounded wait), /health and /ready, and the graceful stop: uploads in flight get their 202, new
// ones a 503, and every 202 is a written record.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, IngestRun, SAMPLE_JPEG, SECRET, hsToken } from './ingest.test-setup.js';

const auth = { secret: SECRET, issuer: ISSUER, audience: AUDIENCE };
const upload = async (run: IngestRun, tenant = 'acme', extra: { [k: string]: string } = {}) =>
  run.post(SAMPLE_JPEG, { 'content-type': 'image/jpeg', authorization: `Bearer ${await hsToken({ claims: { tenant } })}`, ...extra });

describe('Idempotency-Key', () => {
  const run = new IngestRun({ auth });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('answers a repeated key with the first answer and writes one record, per tenant', async () => {
    const first = await upload(run, 'acme', { 'idempotency-key': 'upload-1' });
    const again = await upload(run, 'acme', { 'idempotency-key': 'upload-1' });
    const otherTenant = await upload(run, 'globex', { 'idempotency-key': 'upload-1' });
    expect([first.status, again.status, otherTenant.status]).toEqual([202, 202, 202]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Where the first answer's time went, for clients and the load bench.
    expect(first.headers.get('server-timing')).toMatch(/^auth;dur=[\d.]+, body;dur=[\d.]+, check;dur=[\d.]+, queue;dur=[\d.]+, write;dur=[\d.]+, total;dur=[\d.]+$/);
    expect(otherTenant.body['id']).not.toBe(first.body['id']);
    expect(await run.written()).toBe(2);
  });

  it('gives racing requests with one key one record', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => upload(run, 'acme', { 'idempotency-key': 'race-1' })));
    expect(new Set(answers.map((a) => a.body['id'])).size).toBe(1);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await run.written()).toBe(3);
  });

  it('keeps no key of a refused upload, so the corrected retry is taken', async () => {
    const bad = await run.post(Buffer.from('nope'), { 'content-type': 'image/jpeg', authorization: `Bearer ${await hsToken()}`, 'idempotency-key': 'fix-1' });
    expect(bad.status).toBe(415);
    expect((await upload(run, 'acme', { 'idempotency-key': 'fix-1' })).status).toBe(202);
    expect(await run.written()).toBe(4);
  });
});

describe('per-tenant quota', () => {
  const run = new IngestRun({ auth, quotaPerSec: 2, quotaBurst: 3 });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('answers 429 with Retry-After past a tenant quota, without touching other tenants', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await upload(run, 'acme'));
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const refused = answers.find((a) => a.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429 });
    expect((await upload(run, 'globex')).status).toBe(202);
    expect(await run.written()).toBe(statuses.filter((s) => s === 202).length + 1);
  });
});

describe('backpressure', () => {
  // One slot, each record taking 400 ms to be written, at most 2 waiting: the 4th concurrent upload is refused.
  const run = new IngestRun({ auth, maxQueued: 2, retryAfterSec: 2 }, { maxInFlight: 1, slowMs: 400 });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('answers 503 with Retry-After once the node is behind, and 202 for every upload it took', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => upload(run)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 202 || s === 503)).toBe(true);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(busy.body).toMatchObject({ code: 'INGEST_BUSY', status: 503 });
    expect(await run.written()).toBe(statuses.filter((s) => s === 202).length);
  });

  it('says /health 200 and /ready 200 when idle', async () => {
    const base = run.url.replace('/v1/images', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});

describe('the in-flight limit', () => {
  // 3 uploads at once, however many arrive together: the token check is async, the slot is taken before it.
  const run = new IngestRun({ auth, maxInFlight: 3, maxQueued: 100 }, { maxInFlight: 1, slowMs: 300 });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('answers 503 INGEST_BUSY to uploads beyond it, even when they arrive at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => upload(run)));
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a.status === 503 && a.body['code'] === 'INGEST_BUSY').length).toBe(12 - accepted);
    expect(await run.written()).toBe(accepted);
  });
});

describe('a write slower than the ack deadline', () => {
  const run = new IngestRun({ auth, ackTimeoutMs: 300 }, { maxInFlight: 4, slowMs: 1500 });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  it('answers 503 WRITE_UNCONFIRMED instead of waiting on, and a retry with the same key gets the 202 of the write', async () => {
    const first = await upload(run, 'acme', { 'idempotency-key': 'slow-1' });
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'WRITE_UNCONFIRMED' });
    expect(first.headers.get('retry-after')).toBe('1');
    await expect.poll(() => run.written(), { timeout: 10_000 }).toBe(1);
    const retry = await upload(run, 'acme', { 'idempotency-key': 'slow-1' });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(run.received.map((r) => r.key)).toEqual([retry.body['id']]);
    expect(await run.written()).toBe(1);
  });
});

describe('graceful stop', () => {
  let run: IngestRun | undefined;
  afterEach(async () => {
    await run?.stop().catch(() => undefined);
  });

  it('finishes uploads in flight (202, written), refuses new ones with 503, then stops', async () => {
    // The ack deadline is tested above, not here: a loaded machine must not turn a 202 into its 503.
    run = await new IngestRun({ auth, maxQueued: 8, ackTimeoutMs: 60_000 }, { maxInFlight: 2, slowMs: 300 }).start();
    const inFlight = Array.from({ length: 4 }, () => upload(run!));
    // The uploads are in and the first two taken (a busy machine may take a while to get there).
    for (let i = 0; i < 500 && run.inFlight() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(run.inFlight()).toBe(2);
    const stopped = run.stopNode();
    const late = await upload(run).catch(() => undefined);
    const answers = await Promise.all(inFlight);
    await stopped;
    if (late) expect(late.status).toBe(503); // or the port is already closed: the client's connection is refused
    const accepted = answers.filter((a) => a.status === 202).length;
    // Taken uploads are written; those still waiting when the stop came get 503 and are not.
    expect(accepted).toBeGreaterThanOrEqual(2);
    expect(answers.map((a) => (a.status === 202 ? 202 : `${a.status} ${String(a.body['code'])}`)).filter((s) => s !== 202 && s !== '503 INGEST_STOPPING')).toEqual([]);
    expect(await run.written()).toBe(accepted);
  });

  it('answers an upload that arrives on an open connection during the stop with 503 INGEST_STOPPING and Retry-After', async () => {
    run = await new IngestRun({ auth }, { maxInFlight: 1, slowMs: 500 }).start();
    const { hostname, port, pathname } = new URL(run.url);
    const request = `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: image/jpeg\r\nauthorization: Bearer ${await hsToken()}\r\ncontent-length: ${SAMPLE_JPEG.length}\r\n\r\n`;
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write(request);
    socket.write(SAMPLE_JPEG);
    for (let i = 0; i < 500 && run.inFlight() < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const stopped = run.stopNode();
    // The second upload, pipelined on the same connection while the first is being written.
    socket.write(request);
    socket.write(SAMPLE_JPEG);
    await stopped;
    await ended;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 202', 'HTTP/1.1 503']);
    expect(answers[1]).toMatch(/^retry-after: 1$/im);
    expect(answers[1]).toMatch(/^content-type: application\/problem\+json/im);
    expect(answers[1]).toContain('"code":"INGEST_STOPPING"');
    expect(await run.written()).toBe(1);
  });
});
