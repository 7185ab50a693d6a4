// fastify vs plain node:http as the ingest's HTTP server, measured the way the ingest uses it: a
// client posts a ~160 KiB JPEG body over keep-alive connections; the server reads the whole body
// and answers 202 with a small JSON. Each server runs in its own process; rounds alternate.
//   npx tsx bench/ingest-server-choice.ts [--seconds 5] [--clients 32] [--rounds 2]
// Results go to docs/ingest.md ("Why fastify").
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const BODY = readFileSync(fileURLToPath(new URL('../../shared/images/coco/000000000139.jpg', import.meta.url)));

async function serve(kind: string): Promise<void> {
  let port: number;
  if (kind === 'fastify') {
    const app = Fastify({ logger: false });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('image/jpeg', { parseAs: 'buffer', bodyLimit: 16 << 20 }, (_req, body, done) => done(null, body));
    let n = 0;
    app.post('/v1/images', async (req, reply) => reply.code(202).send({ id: `${++n}`, bytes: (req.body as Buffer).length }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  } else {
    let n = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.stringify({ id: `${++n}`, bytes: Buffer.concat(chunks).length });
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  }
  process.stdout.write(`port ${port}\n`);
}

async function load(port: number, seconds: number, clients: number): Promise<{ rps: number; p50: number; p99: number }> {
  const url = `http://127.0.0.1:${port}/v1/images`;
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', body: BODY, headers: { 'content-type': 'image/jpeg' } });
      await res.arrayBuffer();
      lat.push(performance.now() - t);
    }
  }));
  lat.sort((a, b) => a - b);
  return { rps: lat.length / seconds, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

async function round(kind: string, seconds: number, clients: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.setEncoding('utf8').on('data', (d: string) => { const m = /port (\d+)/.exec(d); if (m) resolve(Number(m[1])); }));
  await load(port, 1, clients); // warm-up
  const r = await load(port, seconds, clients);
  console.log(`${kind.padEnd(9)} ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${clients} clients, ${(BODY.length / 1024).toFixed(0)} KiB bodies)`);
  child.kill();
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) await serve(process.argv[serveIndex + 1]!);
else {
  const seconds = arg('seconds', 5);
  const clients = arg('clients', 32);
  for (let i = 0; i < arg('rounds', 2); i++) for (const kind of ['node:http', 'fastify']) await round(kind, seconds, clients);
}
