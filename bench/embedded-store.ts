// lmdb vs classic-level (LevelDB) as the disk layer of a persistent state store, measured the way the
// store uses it: writes arrive in batches (one per checkpoint), reads are synchronous point gets on the
// processing path, window fetches are range scans over `key|start`, and a restart opens the folder.
//   npx tsx bench/embedded-store.ts                  1,000,000 keys, both stores
//   npx tsx bench/embedded-store.ts --keys 200000 --batch 10000 --stores lmdb
// Results go to docs/state-stores.md (with the machine they ran on).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { open } from 'lmdb';

interface Options {
  readonly keys: number;
  readonly batch: number;
  readonly stores: string[];
}

interface Result {
  readonly store: string;
  readonly putPerSec: number;
  readonly getPerSec: number;
  readonly scanPerSec: number;
  readonly windowFetchPerSec: number;
  readonly reopenMs: number;
  readonly firstGetMs: number;
}

const windowsPerKey = 10;

function parse(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { keys: Number(get('keys') ?? 1_000_000), batch: Number(get('batch') ?? 10_000), stores: (get('stores') ?? 'lmdb,classic-level').split(',') };
}

/** Window-store keys: the record key, then the window start, big-endian so starts sort in order. */
function windowKey(i: number): Buffer {
  const k = Math.floor(i / windowsPerKey);
  const start = (i % windowsPerKey) * 60_000;
  const b = Buffer.alloc(18);
  b.write(`k${String(k).padStart(9, '0')}`, 0, 'latin1');
  b.writeBigUInt64BE(BigInt(start), 10);
  return b;
}

function value(i: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeDoubleBE(i, 0);
  b.writeDoubleBE(i * 2, 8);
  return b;
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

function randomOrder(n: number, samples: number): number[] {
  let x = 12345;
  return Array.from({ length: samples }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % n);
}

async function benchLmdb(dir: string, o: Options): Promise<Result> {
  let db = open<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary' });
  let t = performance.now();
  for (let i = 0; i < o.keys; i += o.batch) {
    await db.transaction(() => {
      for (let j = i; j < Math.min(i + o.batch, o.keys); j++) void db.put(windowKey(j), value(j));
    });
  }
  const putMs = performance.now() - t;
  const sample = randomOrder(o.keys, Math.min(o.keys, 500_000));
  t = performance.now();
  for (const i of sample) if (!db.get(windowKey(i))) throw new Error('missing');
  const getMs = performance.now() - t;
  t = performance.now();
  let n = 0;
  for (const _ of db.getRange({})) n++;
  const scanMs = performance.now() - t;
  const fetches = randomOrder(o.keys / windowsPerKey, 100_000);
  t = performance.now();
  for (const k of fetches) {
    let found = 0;
    for (const _ of db.getRange({ start: windowKey(k * windowsPerKey), end: windowKey(k * windowsPerKey + windowsPerKey - 1) })) found++;
    if (found === 0) throw new Error('no windows');
  }
  const fetchMs = performance.now() - t;
  await db.close();
  t = performance.now();
  db = open<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary' });
  const reopenMs = performance.now() - t;
  t = performance.now();
  db.get(windowKey(o.keys - 1));
  const firstGetMs = performance.now() - t;
  await db.close();
  return { store: 'lmdb', putPerSec: rate(o.keys, putMs), getPerSec: rate(sample.length, getMs), scanPerSec: rate(n, scanMs), windowFetchPerSec: rate(fetches.length, fetchMs), reopenMs, firstGetMs };
}

async function benchLevel(dir: string, o: Options): Promise<Result> {
  let db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  let t = performance.now();
  for (let i = 0; i < o.keys; i += o.batch) {
    const batch = db.batch();
    for (let j = i; j < Math.min(i + o.batch, o.keys); j++) batch.put(windowKey(j), value(j));
    await batch.write();
  }
  const putMs = performance.now() - t;
  const sample = randomOrder(o.keys, Math.min(o.keys, 500_000));
  t = performance.now();
  for (const i of sample) if (!db.getSync(windowKey(i))) throw new Error('missing');
  const getMs = performance.now() - t;
  t = performance.now();
  let n = 0;
  for await (const _ of db.iterator()) n++;
  const scanMs = performance.now() - t;
  const fetches = randomOrder(o.keys / windowsPerKey, 100_000);
  t = performance.now();
  for (const k of fetches) {
    const found = await db.iterator({ gte: windowKey(k * windowsPerKey), lte: windowKey(k * windowsPerKey + windowsPerKey - 1) }).all();
    if (found.length === 0) throw new Error('no windows');
  }
  const fetchMs = performance.now() - t;
  await db.close();
  t = performance.now();
  db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const reopenMs = performance.now() - t;
  t = performance.now();
  db.getSync(windowKey(o.keys - 1));
  const firstGetMs = performance.now() - t;
  await db.close();
  return { store: 'classic-level', putPerSec: rate(o.keys, putMs), getPerSec: rate(sample.length, getMs), scanPerSec: rate(n, scanMs), windowFetchPerSec: rate(fetches.length, fetchMs), reopenMs, firstGetMs };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  console.log(`${o.keys} keys (18-byte window keys, 16-byte values), writes in batches of ${o.batch}`);
  for (const store of o.stores) {
    const dir = mkdtempSync(join(tmpdir(), `vf-store-${store}-`));
    try {
      const r = store === 'lmdb' ? await benchLmdb(dir, o) : await benchLevel(dir, o);
      console.log(`${r.store.padEnd(14)} put ${r.putPerSec}/s  get ${r.getPerSec}/s  scan ${r.scanPerSec}/s  window fetch ${r.windowFetchPerSec}/s  reopen ${r.reopenMs.toFixed(1)} ms  first get ${r.firstGetMs.toFixed(2)} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
