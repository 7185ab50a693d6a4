// Windowed aggregations: vision-flow against Kafka Streams 4.x (test/kstreams) on the same input
// topic of the same broker, one after the other, each in its own process: events/s of each (from
// its first input record processed to its last), their ratio (goal ≥ 1.0) and the peak resident
// memory (max RSS) of each process. Input: the cross-check's seeded generator (repeated keys,
// out-of-order and late records); aggregations: the cross-check's cases (--cases).
//   bash scripts/stack.sh start && eval "$(bash scripts/stack.sh env)" && bash scripts/setup.sh   (packages built)
//   npx tsx bench/windows-vs-kstreams.ts                    1,000,000 records, tumbling count, emit final
//   npx tsx bench/windows-vs-kstreams.ts --records 200000 --cases tumbling-count-final,session-count-update
//   npx tsx bench/windows-vs-kstreams.ts --vf-replicas 2 --ks-threads 2   each side on both cores
// The node runs the built packages, as the CLI and the images do. With `--conditions source` it runs
// their TypeScript through tsx instead, whose esbuild keeps function names by wrapping every closure
// made at run time (`__name`, an Object.defineProperty each): 15-30 % slower, so the bench says so.
// Also: --rounds N (default 3; each a complete comparison on input of its own, every other one with Kafka Streams
// first; the median ratio is the figure), --seed N, --ks-threads N (Kafka Streams stream threads, default 1: vision-flow's node runs on one JS thread),
// --vf-replicas N (the node as N processes in one consumer group, as `vision-flow up --replicas` runs it: one JS
// thread each; events/s from the first record any of them processed to the last, CPU and max RSS summed),
// --ks-stores memory|rocksdb (default memory, as vision-flow's default store), --ks-cache-bytes B (Kafka Streams'
// record cache, default 0: the peer's own default, see test/kstreams/README.md), --sides vf|ks|vf,ks (default both;
// one side alone while developing). Each side's CPU time over its processing span (user + system, from /proc for
// the JVM, all its threads) is printed per record.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_FLAGS } from '../packages/cli/src/node-runtime-flags.js';
import { ConfluentSchemaRegistry, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, TopologyRunner } from '@vision-flow/core';
import { MAX_DISORDER_MS, MIN_LATENESS_MS, WINDOW_CASES, peerAggArg, type WindowCase } from '../test/fixtures/kstreams/window-cases.js';
import { generateWindowInput, windowInput } from '../test/fixtures/kstreams/window-input.js';
import { windowTopology } from '../test/fixtures/kstreams/window-topology.js';
import { dropNamespace } from '../test/helpers/drop-namespace.js';
import { KStreamsPeer } from '../test/helpers/kstreams-peer.js';
import { produceWindowInput } from '../test/helpers/produce-window-input.js';

const HOUR = 3_600_000;
/** Both sides' time resolution: the Kafka Streams peer's progress lines, the node's stats polls. */
const PROGRESS_MS = 50;
/** The generator's event time for n records: 100 ms a record plus 30 s every 150. */
const spanMs = (records: number) => records * 100 + Math.ceil(records / 150) * 30_000 + 2 * MIN_LATENESS_MS;

interface SideResult {
  readonly side: string;
  readonly records: number;
  /** From the first input record processed to the last, ms. */
  readonly processingMs: number;
  /** From process start to the last record processed, ms. */
  readonly totalMs: number;
  readonly maxRssMb: number;
  /** CPU time (user + system, every thread) from the first input record processed to the last, ms. */
  readonly cpuMs: number;
  /** Epoch ms of the first and last record processed (to combine replicas). */
  readonly firstAt: number;
  readonly lastAt: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function pickCases(): WindowCase[] {
  const names = (arg('cases') ?? 'tumbling-count-final').split(',');
  return names.map((n) => {
    const c = WINDOW_CASES.find((w) => w.name === n);
    if (!c) throw new Error(`unknown case ${n}; cases: ${WINDOW_CASES.map((w) => w.name).join(', ')}`);
    return c;
  });
}

/** The vision-flow side, in a child process of its own (`--side vf`): runs until every node has committed all input, prints its result. */
async function vfChild(): Promise<void> {
  const t0 = Date.now();
  const brokers = arg('brokers')!;
  const ns = arg('namespace')!;
  const records = Number(arg('records'));
  const kafka = await KafkaTransport.connect({ brokers, clientId: 'bench-kstreams-vf' });
  const transport = new NamespacedTransport(kafka, ns);
  const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: arg('registry')! }), ns);
  const cases = pickCases();
  const stateDir = mkdtempSync(join(tmpdir(), 'vf-bench-kstreams-'));
  const runner = new TopologyRunner(windowTopology(cases), { transport, registry, log: () => undefined, stateDir });
  await runner.start();
  let first: number | undefined;
  let cpuAtFirst = 0;
  // The end is when the last record was processed (as the Kafka Streams side counts it), not when
  // its offset was committed: the commit comes up to a commit interval later.
  let handled = 0;
  let last = t0;
  let cpuAtLast = 0;
  for (;;) {
    const stats = runner.stats();
    const now = stats.reduce((n, s) => n + s.processed + s.deadLettered, 0);
    if (now > handled) {
      handled = now;
      last = Date.now();
      cpuAtLast = cpuMs(process.cpuUsage());
      if (first === undefined) {
        first = last;
        cpuAtFirst = cpuAtLast;
      }
    }
    let lag = 0;
    for (const c of cases) {
      const [ends, committed] = await Promise.all([transport.admin().endOffsets(windowInput.name), transport.admin().committedOffsets(`kstreams-check.${c.name}`, windowInput.name)]);
      lag += ends.reduce((n, e) => n + e.offset - (committed.find((x) => x.partition === e.partition)?.offset ?? 0), 0);
    }
    if (lag === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = cpuAtLast - cpuAtFirst;
  await runner.stop();
  await kafka.close();
  rmSync(stateDir, { recursive: true, force: true });
  const result: SideResult = {
    side: 'vision-flow', records, processingMs: last - (first ?? t0), totalMs: last - t0, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: cpu, firstAt: first ?? t0, lastAt: last,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The node as `replicas` processes in one group, each until the group has committed all input; their results combined. */
async function runVf(common: string[], replicas: number): Promise<SideResult> {
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: replicas }, () => runVfChild(common)));
  const firstAt = Math.min(...results.map((r) => r.firstAt));
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  return {
    side: replicas === 1 ? 'vision-flow' : `vision-flow ×${replicas}`,
    records: results[0]!.records,
    processingMs: lastAt - firstAt,
    totalMs: lastAt - t0,
    maxRssMb: results.reduce((n, r) => n + r.maxRssMb, 0),
    cpuMs: results.reduce((n, r) => n + r.cpuMs, 0),
    firstAt,
    lastAt,
  };
}

async function runVfChild(common: string[]): Promise<SideResult> {
  // With the V8 flags the CLI and the images start a node process with.
  const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), '--side', 'vf', ...common], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`the vision-flow side failed (${code}): ${out}`);
  return JSON.parse(line) as SideResult;
}

async function runKs(brokers: string, ns: string, records: number, cases: readonly WindowCase[]): Promise<SideResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ks-bench-'));
  const t0 = Date.now();
  const peer = new KStreamsPeer({
    brokers,
    input: `${ns}.${windowInput.name}`,
    appId: `${ns}.kstreams-${randomUUID().slice(0, 6)}`,
    stateDir,
    threads: Number(arg('ks-threads') ?? 1),
    stores: (arg('ks-stores') ?? 'memory') as 'memory' | 'rocksdb',
    progressMs: PROGRESS_MS,
    ...(arg('ks-cache-bytes') === undefined ? {} : { cacheBytes: Number(arg('ks-cache-bytes')) }),
    aggs: cases.map((c) => peerAggArg(c, `${ns}.ks.${c.name}`)),
  });
  try {
    // Progress comes every PROGRESS_MS: the start is the last report with nothing processed.
    let first = t0;
    let cpuAtFirst = 0;
    while (peer.progress.processed === 0) {
      first = Date.now();
      cpuAtFirst = peer.cpuMs();
      await new Promise((r) => setTimeout(r, PROGRESS_MS / 2));
    }
    await peer.waitProcessed(records, 3_600_000);
    const last = Date.now();
    const cpu = peer.cpuMs() - cpuAtFirst;
    await peer.stop();
    const threads = Number(arg('ks-threads') ?? 1);
    return {
      side: threads === 1 ? 'Kafka Streams' : `Kafka Streams ${threads} threads`, records, processingMs: last - first, totalMs: last - t0, maxRssMb: peer.maxRssKb / 1024, cpuMs: cpu, firstAt: first, lastAt: last,
    };
  } finally {
    await peer.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const brokers = arg('brokers') ?? process.env['VF_BROKERS'] ?? '127.0.0.1:9092';
  const registryUrl = arg('registry') ?? process.env['VF_REGISTRY'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
  const records = Number(arg('records') ?? 1_000_000);
  const seed = Number(arg('seed') ?? 11);
  const cases = pickCases();
  if (process.execArgv.some((a, i) => /^--conditions=source$|^-C=?source$/.test(a) || (/^(--conditions|-C)$/.test(a) && process.execArgv[i + 1] === 'source'))) {
    console.log('note: --conditions source: the node runs the TypeScript sources through tsx (every closure renamed at run time, 15-30 % slower than the built packages it ships as); run without it, after a build, to measure vision-flow as it runs');
  }
  KStreamsPeer.jar();
  const rounds = Number(arg('rounds') ?? 3);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Every other round runs Kafka Streams first: a machine speeding up or slowing down favours neither.
    const order = round % 2 === 1 ? ['vf', 'ks'] : ['ks', 'vf'];
    if (rounds > 1) console.log(`round ${round} of ${rounds} (${order.join(' then ')}):`);
    const ratio = await oneRound({ brokers, registryUrl, records, seed, cases, order });
    if (ratio !== undefined) ratios.push(ratio);
  }
  if (ratios.length > 1) {
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
    console.log(`ratio per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median.toFixed(2)} (goal ≥ 1.0)`);
  }
}

/** One complete comparison on input of its own (a fresh namespace); the events/s ratio when both sides ran. */
async function oneRound(o: { brokers: string; registryUrl: string; records: number; seed: number; cases: readonly WindowCase[]; order: readonly string[] }): Promise<number | undefined> {
  const { brokers, registryUrl, records, seed, cases } = o;
  const ns = `bench-kswin-${randomUUID().slice(0, 8)}`;
  const kafka = await KafkaTransport.connect({ brokers, clientId: 'bench-kstreams' });
  const transport = new NamespacedTransport(kafka, ns);
  const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: registryUrl }), ns);
  try {
    // Event time ends an hour ago: within the broker's retention, never ahead of its clock.
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR - spanMs(records);
    const readings = generateWindowInput({ seed, records, t0, maxDisorderMs: MAX_DISORDER_MS, minLatenessMs: MIN_LATENESS_MS });
    const t = Date.now();
    await produceWindowInput(transport, registry, readings);
    const late = readings.filter((r) => r.late).length;
    console.log(`${readings.length.toLocaleString('en')} records (${late.toLocaleString('en')} late) in ${windowInput.partitions} partitions produced in ${((Date.now() - t) / 1000).toFixed(1)} s; namespace ${ns}; cases ${cases.map((c) => c.name).join(', ')}`);
    await transport.admin().createTopics(cases.map((c) => ({ name: `ks.${c.name}`, partitions: 4 })));
    readings.length = 0;

    const common = ['--brokers', brokers, '--registry', registryUrl, '--namespace', ns, '--records', String(records + 4), '--cases', cases.map((c) => c.name).join(',')];
    const sides = (arg('sides') ?? 'vf,ks').split(',');
    let vf: SideResult | undefined;
    let ks: SideResult | undefined;
    for (const side of o.order) {
      if (side === 'vf' && sides.includes('vf')) vf = await runVf(common, Number(arg('vf-replicas') ?? 1));
      if (side === 'ks' && sides.includes('ks')) ks = await runKs(brokers, ns, records + 4, cases);
    }
    for (const r of [vf, ks]) {
      if (!r) continue;
      const rate = r.records / (r.processingMs / 1000);
      console.log(`${r.side.padEnd(24)} ${Math.round(rate).toLocaleString('en').padStart(9)} events/s  (${(r.processingMs / 1000).toFixed(1)} s processing, ${(r.totalMs / 1000).toFixed(1)} s with start-up)  max RSS ${r.maxRssMb.toFixed(0)} MB  CPU ${((r.cpuMs * 1000) / r.records).toFixed(1)} µs/record (${((100 * r.cpuMs) / r.processingMs).toFixed(0)}% of one core)`);
    }
    if (!vf || !ks) return undefined;
    const ratio = ks.processingMs / vf.processingMs;
    console.log(`ratio vision-flow / Kafka Streams: ${ratio.toFixed(2)} (goal ≥ 1.0); memory ${(vf.maxRssMb / ks.maxRssMb).toFixed(2)} of Kafka Streams'; CPU per record ${(vf.cpuMs / ks.cpuMs).toFixed(2)} of Kafka Streams'`);
    return ratio;
  } finally {
    await kafka.close();
    await dropNamespace(brokers, registryUrl, ns);
  }
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

const run = arg('side') === 'vf' ? vfChild : main;
run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
