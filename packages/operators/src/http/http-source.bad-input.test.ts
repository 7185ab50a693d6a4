// Malformed uploads: each gets its own 4xx with a problem body naming what is wrong, and none
// reaches the image topic; well-formed JPEG, PNG, WebP and multipart uploads still go through.
import { connect } from 'node:net';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, IngestRun, SAMPLE_JPEG, SECRET, hsToken, type Answer } from './ingest.test-setup.js';

const MAX_BYTES = 256 * 1024;
const run = new IngestRun({ auth: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE }, maxBytes: MAX_BYTES, maxPixels: 20_000_000, bodyTimeoutMs: 1_000, headersTimeoutMs: 1_000 });
let token = '';
let png: Buffer;
let webp: Buffer;

/** A PNG that is only a signature, an IHDR claiming `w`×`h` and an IEND: a tiny file with a huge header. */
function pngHeader(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IEND', Buffer.alloc(0))]);
}

/** The sample JPEG with its frame header (SOF0/SOF2) claiming `w`×`h`. */
function jpegClaiming(w: number, h: number): Buffer {
  const b = Buffer.from(SAMPLE_JPEG);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(h, i + 5);
      b.writeUInt16BE(w, i + 7);
      return b;
    }
  }
  throw new Error('sample JPEG has no SOF0/SOF2 marker');
}

/** Multipart body with one part. */
function multipart(name: string, filename: string | undefined, type: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = 'vf-boundary-7d3a';
  const disposition = `form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`;
  const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${type}\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A request written by hand on a socket: `head` then `body`, then nothing more (the socket stays
 * open: a slow client, or one that sends more than it should). Resolves, once the server closes the
 * connection, with the status line's code and the body the server sent.
 */
function rawRequest(head: string, body: Buffer): Promise<{ status: number; text: string; contentType: string }> {
  const url = new URL(run.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(Buffer.concat([Buffer.from(head), body])));
    let data = '';
    socket.setEncoding('latin1').on('data', (d: string) => (data += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    socket.on('close', () => {
      const status = Number(data.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      const contentType = data.match(/\r\ncontent-type: *([^\r]+)/i)?.[1] ?? '';
      resolve({ status, text: data.slice(data.indexOf('\r\n\r\n') + 4), contentType });
    });
  });
}

interface Case {
  readonly name: string;
  readonly send: () => Promise<Answer>;
  readonly status: number;
  readonly code?: string;
}

const post = (body: Buffer | undefined, type: string | undefined, extra: { [k: string]: string } = {}) =>
  run.post(body, { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}), ...extra });

const cases: Case[] = [
  { name: 'an empty body', send: () => post(Buffer.alloc(0), 'image/jpeg'), status: 400, code: 'EMPTY_BODY' },
  { name: 'a JPEG cut at 40%', send: () => post(SAMPLE_JPEG.subarray(0, Math.floor(SAMPLE_JPEG.length * 0.4)), 'image/jpeg'), status: 400, code: 'IMAGE_TRUNCATED' },
  { name: 'a JPEG cut after 10 bytes', send: () => post(SAMPLE_JPEG.subarray(0, 10), 'image/jpeg'), status: 400, code: 'IMAGE_TRUNCATED' },
  { name: 'a PNG without its IEND', send: () => post(png.subarray(0, png.length - 20), 'image/png'), status: 400, code: 'IMAGE_TRUNCATED' },
  { name: 'a WebP shorter than its RIFF size', send: () => post(webp.subarray(0, webp.length - 10), 'image/webp'), status: 400, code: 'IMAGE_TRUNCATED' },
  { name: 'text sent as image/jpeg', send: () => post(Buffer.from('this is not an image, just text\n'), 'image/jpeg'), status: 415, code: 'NOT_AN_IMAGE' },
  { name: 'a GIF sent as octet-stream', send: () => post(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'application/octet-stream'), status: 415, code: 'NOT_AN_IMAGE' },
  { name: 'a PDF sent as image/png', send: () => post(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), 'image/png'), status: 415, code: 'NOT_AN_IMAGE' },
  { name: 'a JPEG sent as image/png', send: () => post(SAMPLE_JPEG, 'image/png'), status: 415, code: 'CONTENT_TYPE_MISMATCH' },
  { name: 'JPEG magic then garbage then an end marker', send: () => post(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0x00]), Buffer.alloc(500, 0x41), Buffer.from([0xff, 0xd9])]), 'image/jpeg'), status: 400, code: 'IMAGE_HEADER_UNREADABLE' },
  { name: 'PNG magic then garbage then IEND', send: () => post(Buffer.concat([png.subarray(0, 8), Buffer.alloc(100, 0x42), png.subarray(png.length - 12)]), 'image/png'), status: 400, code: 'IMAGE_HEADER_UNREADABLE' },
  { name: 'a PNG header claiming 30000×30000', send: () => post(pngHeader(30_000, 30_000), 'image/png'), status: 413, code: 'IMAGE_TOO_MANY_PIXELS' },
  { name: 'a JPEG header claiming 60000×60000', send: () => post(jpegClaiming(60_000, 60_000), 'image/jpeg'), status: 413, code: 'IMAGE_TOO_MANY_PIXELS' },
  { name: 'Content-Type text/plain', send: () => post(SAMPLE_JPEG, 'text/plain'), status: 415, code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'Content-Type application/json', send: () => post(Buffer.from('{"image":"..."}'), 'application/json'), status: 415, code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'Content-Type image/gif', send: () => post(SAMPLE_JPEG, 'image/gif'), status: 415, code: 'UNSUPPORTED_CONTENT_TYPE' },
  { name: 'a body over the limit (by Content-Length)', send: () => post(Buffer.alloc(MAX_BYTES + 1, 0xff), 'image/jpeg'), status: 413, code: 'IMAGE_TOO_MANY_BYTES' },
  {
    name: 'a chunked body over the limit (no Content-Length)',
    send: async () => {
      const head = `POST /v1/images HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const chunk = Buffer.concat([Buffer.from(`${(64 * 1024).toString(16)}\r\n`), Buffer.alloc(64 * 1024, 0xff), Buffer.from('\r\n')]);
      const { status, text, contentType } = await rawRequest(head, Buffer.concat(Array.from({ length: 8 }, () => chunk)));
      return { status, headers: new Headers(), body: JSON.parse(text) as { [k: string]: unknown }, contentType };
    },
    status: 413,
    code: 'IMAGE_TOO_MANY_BYTES',
  },
  { name: 'a multipart form without a file', send: () => { const m = multipart('note', undefined, 'text/plain', Buffer.from('hi')); return post(m.body, m.type); }, status: 400, code: 'NO_FILE' },
  { name: 'a multipart text file', send: () => { const m = multipart('image', 'photo.jpg', 'image/jpeg', Buffer.from('not an image')); return post(m.body, m.type); }, status: 415, code: 'NOT_AN_IMAGE' },
  { name: 'a multipart file over the limit', send: () => { const m = multipart('image', 'big.jpg', 'image/jpeg', Buffer.alloc(MAX_BYTES + 10, 0xff)); return post(m.body, m.type); }, status: 413, code: 'IMAGE_TOO_MANY_BYTES' },
  { name: 'an Idempotency-Key over 255 characters', send: () => post(SAMPLE_JPEG, 'image/jpeg', { 'idempotency-key': 'k'.repeat(300) }), status: 400, code: 'IDEMPOTENCY_KEY_INVALID' },
];

describe('httpSource refuses malformed uploads', () => {
  beforeAll(async () => {
    token = await hsToken();
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#369' } }).png().toBuffer();
    webp = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#963' } }).webp().toBuffer();
    await run.start();
  });
  afterAll(() => run.stop());

  it.each(cases)('answers $name with $status $code', async ({ send, status, code }) => {
    const a = await send();
    expect({ status: a.status, code: a.body['code'] }).toEqual({ status, code });
    expect(a.contentType).toContain('application/problem+json');
    expect(String(a.body['detail']).length).toBeGreaterThan(20);
  });

  it('answers a slow-loris body (headers, then 100 bytes of 50 000, then silence) with 408', async () => {
    const head = `POST /v1/images HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/jpeg\r\nContent-Length: 50000\r\n\r\n`;
    const { status, text } = await rawRequest(head, SAMPLE_JPEG.subarray(0, 100));
    expect(status).toBe(408);
    expect(JSON.parse(text)).toMatchObject({ code: 'BODY_TIMEOUT', status: 408 });
  });

  it('drops a slow-loris request whose headers never end (408 from the server)', async () => {
    const { status } = await rawRequest(`POST /v1/images HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Slow: `, Buffer.alloc(0));
    expect(status).toBe(408);
  });

  it('wrote none of them, and still takes well-formed JPEG, PNG, WebP and multipart uploads', async () => {
    expect(await run.written()).toBe(0);
    const m = multipart('image', 'photo.jpg', 'image/jpeg', SAMPLE_JPEG);
    const answers = await Promise.all([post(SAMPLE_JPEG, 'image/jpeg'), post(png, 'image/png'), post(webp, 'image/webp'), post(m.body, m.type)]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(await run.written()).toBe(4);
  });
});
