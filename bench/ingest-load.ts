// Load on the HTTP front door (topologies/image-pipeline-http.ts) on the real broker: the ingest node
// in one process, the detectors, aggregate and deliver in another, as deployed. Two phases:
//   sustained: clients post the sample images open-loop at --rate images/s (the rate the detectors
//              sustain on this machine) for --seconds: accepted/s and p50/p99/p999 of the 202;
//   overload:  --overload-clients clients post back to back for --overload-seconds, more than the
//              node takes in flight: it must answer 503 (with Retry-After), not time out.
// Then it waits until every 202 has its delivered result and checks each id got exactly one.
//   eval "$(bash scripts/stack.sh env)"; export VF_BROKERS VF_REGISTRY VF_MODEL_DIR=$PWD/../shared/models
//   node_modules/.bin/turbo run build --output-logs=errors-only && npx tsx bench/ingest-load.ts --rate 4 --seconds 30
// --ingest-only runs the ingest node alone (what the front door itself costs; --rate can then be far
// higher) and checks the image topic holds exactly the accepted uploads instead of waiting for results.
// --worker-nice N (default 10): the detectors' process runs at this nice level, as a deployment gives
// the front door CPU of its own; on 2 shared cores the detectors otherwise delay every answer. 0: equal.
// --worker-idle: the detectors' process under SCHED_IDLE (chrt --idle 0) instead: it runs only on CPU
// nothing else wants, and any waking thread of the front door or the broker preempts it at once
// (a nice level only weights the shares: a woken thread may still wait for the running one's slice).
// Where the 202's time goes: each 202 carries Server-Timing (auth, body, check, queue, write, total);
// the bench prints each stage's p50/p99 and the stages of the slowest 1 %, the rest of the client's
// time being the network, HTTP parsing and the client's own loop. The ingest node is started with
// bench/ingest/loop-delay-probe.mjs (its event-loop delay over the sustained phase) and --trace-gc
// (its GC pauses over that phase, summed by kind); --ingest-log FILE keeps its whole output.
// --broker-pid PID (with a JDK's jstat on PATH or in $JAVA_HOME/bin): the broker's young GC pauses
// over the sustained phase too (count and total time from jstat -gc before and after); a produce
// request that arrives during one waits it out.
// Not a test: it prints numbers for docs/ingest.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { KafkaTransport, NamespacedTransport } from '@vision-flow/core';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SHARED_IMAGES = join(REPO, '..', 'shared', 'images');
const SECRET = 'bench-ingest-secret-of-at-least-32-bytes';
const ISSUER = 'https://auth.bench/';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const opts = { rate: arg('rate', 4), seconds: arg('seconds', 30), overloadClients: arg('overload-clients', 400), overloadSeconds: arg('overload-seconds', 3), timeoutMs: arg('client-timeout-ms', 10_000), drainSeconds: arg('drain-seconds', 900), workerNice: arg('worker-nice', 10) };

interface Sample {
  readonly body: Buffer;
  readonly type: string;
}

interface Phase {
  readonly name: string;
  readonly latencies: number[];
  /** Per 202, in the order of `latencies`: the server's stages (ms) from its Server-Timing header. */
  readonly stages: Array<Map<string, number>>;
  readonly statuses: Map<string, number>;
  readonly ids: string[];
  seconds: number;
}

function phase(name: string): Phase {
  return { name, latencies: [], stages: [], statuses: new Map(), ids: [], seconds: 0 };
}

async function loadSamples(): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const folder of (await readdir(SHARED_IMAGES)).sort()) {
    for (const f of (await readdir(join(SHARED_IMAGES, folder))).sort()) {
      const ext = extname(f).toLowerCase();
      if (ext === '.jpg' || ext === '.jpeg' || ext === '.png') out.push({ body: await readFile(join(SHARED_IMAGES, folder, f)), type: ext === '.png' ? 'image/png' : 'image/jpeg' });
    }
  }
  return out;
}

/** One upload; its latency counts only a 202 (the acknowledged write). */
async function post(url: string, token: string, s: Sample, p: Phase): Promise<void> {
  const started = performance.now();
  let status: string;
  try {
    const res = await fetch(url, { method: 'POST', body: s.body, headers: { 'content-type': s.type, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(opts.timeoutMs) });
    const body = (await res.json()) as { id?: string };
    status = String(res.status);
    if (res.status === 202) {
      p.latencies.push(performance.now() - started);
      p.stages.push(new Map((res.headers.get('server-timing') ?? '').split(',').map((e) => e.trim().match(/^(\w+);dur=([\d.]+)$/)).filter((m) => m !== null).map((m) => [m[1]!, Number(m[2])])));
      p.ids.push(body.id!);
    }
    if (res.status === 503 && !res.headers.get('retry-after')) status = '503 without Retry-After';
  } catch (e) {
    status = (e as Error).name === 'TimeoutError' ? 'timeout' : `error ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`;
  }
  p.statuses.set(status, (p.statuses.get(status) ?? 0) + 1);
}

/** Open loop: starts an upload every 1/rate s whatever the answers, for `seconds`. */
async function sustained(url: string, token: string, samples: Sample[], p: Phase): Promise<void> {
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; ; i++) {
    const due = started + (i * 1000) / opts.rate;
    if (due - started >= opts.seconds * 1000) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(post(url, token, samples[i % samples.length]!, p));
  }
  await Promise.all(inFlight);
  p.seconds = (performance.now() - started) / 1000;
}

/** Closed loop: `clients` clients post back to back for `seconds`. */
async function overload(url: string, token: string, samples: Sample[], p: Phase): Promise<void> {
  const started = performance.now();
  const end = started + opts.overloadSeconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: opts.overloadClients }, async () => {
    while (performance.now() < end) await post(url, token, samples[n++ % samples.length]!, p);
  }));
  p.seconds = (performance.now() - started) / 1000;
}

const STAGES = ['auth', 'body', 'check', 'queue', 'write', 'total'];

/** Each server stage's p50/p99, and the mean stages of the slowest 1 % of 202s (client time - server total = outside the handler). */
function stageReport(p: Phase): string {
  const of = (i: number, s: string) => (s === 'client' ? p.latencies[i]! : (p.stages[i]!.get(s) ?? NaN));
  const names = [...STAGES, 'client'];
  const each = names.map((s) => {
    const v = p.latencies.map((_, i) => of(i, s)).sort((a, b) => a - b);
    return `${s} ${pct(v, 0.5).toFixed(1)}/${pct(v, 0.99).toFixed(1)}`;
  });
  const slowest = p.latencies.map((l, i) => [l, i] as const).sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.ceil(p.latencies.length / 100)));
  const mean = (s: string) => slowest.reduce((n, [, i]) => n + of(i, s), 0) / slowest.length;
  const tail = names.map((s) => `${s} ${mean(s).toFixed(1)}`).join(', ');
  return `${''.padEnd(9)} stages p50/p99 ms: ${each.join(', ')}\n${''.padEnd(9)} slowest ${slowest.length} (mean ms): ${tail}, outside the handler ${(mean('client') - mean('total')).toFixed(1)}`;
}

const pct = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);

function report(p: Phase): string {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const statuses = [...p.statuses].sort().map(([s, n]) => `${s}: ${n}`).join(', ');
  return `${p.name.padEnd(9)} ${p.seconds.toFixed(1)} s, ${(p.ids.length / p.seconds).toFixed(1)} accepted/s, 202 latency p50 ${pct(sorted, 0.5).toFixed(1)} ms, p99 ${pct(sorted, 0.99).toFixed(1)} ms, p999 ${pct(sorted, 0.999).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms; answers ${statuses}`;
}

/**
 * The main thread's GC pauses in --trace-gc lines (`[pid:isolate] 1234 ms: Scavenge 10.1 (12.0) -> 9.8 (12.0) MB, 1.23 / 0.00 ms ...`),
 * by kind. The main isolate is the first one the log names; worker threads' GCs do not stop its loop.
 */
function gcReport(text: string, mainIsolate: string | undefined): string {
  const byKind = new Map<string, number[]>();
  for (const m of text.matchAll(/\[\d+:(0x[0-9a-f]+)\] +\d+ ms: ([A-Za-z-]+(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ /g)) {
    const [, isolate, kind, pause] = m as unknown as [string, string, string, string];
    if (isolate !== mainIsolate) continue;
    byKind.set(kind, [...(byKind.get(kind) ?? []), Number(pause)]);
  }
  if (byKind.size === 0) return 'no GC';
  return 'GC ' + [...byKind].map(([kind, v]) => `${v.length} × ${kind} (max ${Math.max(...v).toFixed(1)} ms, sum ${v.reduce((a, b) => a + b, 0).toFixed(0)} ms)`).join(', ');
}

/** The broker JVM's young GCs so far (count, total seconds) from `jstat -gc`; undefined without a broker pid or a jstat. */
function brokerYoungGc(): { count: number; seconds: number } | undefined {
  const i = process.argv.indexOf('--broker-pid');
  if (i < 0) return undefined;
  const jstat = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'jstat') : 'jstat';
  const out = spawnSync(jstat, ['-gc', process.argv[i + 1]!], { encoding: 'utf8' });
  const [head, values] = (out.stdout ?? '').trim().split('\n').map((l) => l.trim().split(/\s+/));
  if (!head || !values) return undefined;
  return { count: Number(values[head.indexOf('YGC')]), seconds: Number(values[head.indexOf('YGCT')]) };
}

function brokerGcReport(before: ReturnType<typeof brokerYoungGc>, after: ReturnType<typeof brokerYoungGc>): string {
  if (!before || !after) return '';
  const n = after.count - before.count;
  const ms = (after.seconds - before.seconds) * 1000;
  return `; broker: ${n} young GCs, ${ms.toFixed(0)} ms in all${n > 0 ? ` (${(ms / n).toFixed(1)} ms each on average)` : ''}`;
}

/** Starts the CLI; at a nice level above 0 through `nice` (or under SCHED_IDLE through `chrt`), so every thread of the process has it from the start. */
function start(args: string[], env: NodeJS.ProcessEnv, niceness: number | 'idle' = 0, nodeFlags: string[] = []): { child: ChildProcess; stderr: () => string } {
  const command = [process.execPath, ...nodeFlags, join(REPO, 'packages/cli/dist/bin.js'), ...args];
  const [cmd, ...cmdArgs] = niceness === 'idle' ? ['chrt', '--idle', '0', ...command] : niceness > 0 ? ['nice', '-n', String(niceness), ...command] : command;
  // Standard output too: --trace-gc writes there.
  const child = spawn(cmd!, cmdArgs, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2_000_000)));
  return { child, stderr: () => err };
}

async function main(): Promise<void> {
  const brokers = process.env['VF_BROKERS'];
  const registry = process.env['VF_REGISTRY'];
  if (!brokers || !registry) throw new Error('set VF_BROKERS and VF_REGISTRY (eval "$(bash scripts/stack.sh env)")');
  const ns = `bench-ingest-${randomUUID().slice(0, 8)}`;
  const work = await mkdtemp(join(tmpdir(), 'vf-bench-ingest-'));
  const results = join(work, 'results.jsonl');
  const common = ['run', 'topologies/image-pipeline-http.ts', '--brokers', brokers, '--registry', registry, '--namespace', ns, '--no-progress', '--out', results, '--set', `ingestSecret=${SECRET}`, '--set', `ingestIssuer=${ISSUER}`, '--set', 'timeout=900s'];
  const env = { ...process.env, VF_MODEL_DIR: process.env['VF_MODEL_DIR'] ?? join(REPO, '..', 'shared', 'models') };
  // --ingest-node-flag F (repeatable): a node/V8 flag for the ingest node's process, e.g. --no-memory-reducer.
  const extraFlags = process.argv.flatMap((a, i) => (a === '--ingest-node-flag' ? [process.argv[i + 1]!] : []));
  const probe = ['--import', join(REPO, 'bench/ingest/loop-delay-probe.mjs'), '--trace-gc', ...extraFlags];
  const ingest = start([...common, '--node', 'ingest', '--set', 'ingestPort=0'], env, 0, probe);
  const ingestOnly = process.argv.includes('--ingest-only');
  const workerIdle = process.argv.includes('--worker-idle');
  const workers = ingestOnly ? undefined : start([...common, '--node', 'objects', '--node', 'faces', '--node', 'aggregate', '--node', 'deliver'], env, workerIdle ? 'idle' : opts.workerNice);
  try {
    let url: string | undefined;
    for (let i = 0; i < 600 && !url; i++) {
      url = ingest.stderr().match(/listening on (http:\/\/\S+)/)?.[1];
      if (ingest.child.exitCode !== null) throw new Error(`the ingest node exited:\n${ingest.stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!url) throw new Error(`the ingest node did not listen:\n${ingest.stderr()}`);
    const token = await new SignJWT({ tenant: 'bench', scope: 'images:write' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience('vision-flow').setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
    const samples = await loadSamples();
    console.log(`namespace ${ns}; detectors ${ingestOnly ? 'not run' : workerIdle ? 'under SCHED_IDLE' : `at nice ${opts.workerNice}`}; ${samples.length} sample images, ${(samples.reduce((n, s) => n + s.body.length, 0) / samples.length / 1024).toFixed(0)} KiB on average; ingest at ${url}`);
    const warm = phase('warm-up');
    await post(url, token, samples[0]!, warm);

    const a = phase('sustained');
    ingest.child.kill('SIGUSR2'); // starts the probe's loop-delay histogram over (its line covers the start-up)
    await new Promise((r) => setTimeout(r, 200));
    const gcFrom = ingest.stderr().length;
    const brokerBefore = brokerYoungGc();
    await sustained(url, token, samples, a);
    const brokerAfter = brokerYoungGc();
    ingest.child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    console.log(report(a));
    console.log(stageReport(a));
    console.log(`${''.padEnd(9)} ingest node: ${[...ingest.stderr().matchAll(/loop-delay: .*$/gm)].at(-1)?.[0] ?? 'no loop-delay line'}; ${gcReport(ingest.stderr().slice(gcFrom), ingest.stderr().match(/\[\d+:(0x[0-9a-f]+)\]/)?.[1])}${brokerGcReport(brokerBefore, brokerAfter)}`);
    const b = phase('overload');
    await overload(url, token, samples, b);
    console.log(report(b));
    console.log(stageReport(b));

    const accepted = [...warm.ids, ...a.ids, ...b.ids];
    if (!workers) {
      const ns$ = new NamespacedTransport(await KafkaTransport.connect({ brokers, clientId: 'bench-ingest-count' }), ns);
      const written = (await ns$.admin().endOffsets('images.submitted')).reduce((n, e) => n + Number(e.offset), 0);
      await ns$.close();
      console.log(`written: ${accepted.length} accepted (202), ${written} records on images.submitted (more: written after a 503 or a client timeout)`);
      return;
    }
    const deadline = Date.now() + opts.drainSeconds * 1000;
    let counts = new Map<string, number>();
    const drainStart = Date.now();
    while (Date.now() < deadline) {
      counts = new Map();
      const text = await readFile(results, 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const { id } = JSON.parse(line) as { id: string };
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      if (accepted.every((id) => counts.has(id))) break;
      if (workers.child.exitCode !== null) throw new Error(`the pipeline exited:\n${workers.stderr()}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const missing = accepted.filter((id) => !counts.has(id)).length;
    const duplicated = accepted.filter((id) => (counts.get(id) ?? 0) > 1).length;
    const known = new Set(accepted);
    const unknown = [...counts.keys()].filter((id) => !known.has(id)).length;
    console.log(`delivery: ${accepted.length} accepted (202), ${accepted.length - missing} delivered in ${((Date.now() - drainStart) / 1000).toFixed(0)} s after the load; missing ${missing}, delivered more than once ${duplicated}, delivered without a 202 ${unknown}`);
    if (missing > 0 || duplicated > 0) process.exitCode = 1;
  } finally {
    const logIndex = process.argv.indexOf('--ingest-log');
    if (logIndex >= 0) await writeFile(process.argv[logIndex + 1]!, ingest.stderr());
    const procs = workers ? [ingest, workers] : [ingest];
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(undefined) : p.child.once('exit', r)))));
    const transport = new NamespacedTransport(await KafkaTransport.connect({ brokers, clientId: 'bench-ingest-cleanup' }), ns);
    await transport.admin().deleteTopics(await transport.admin().listTopics()).catch(() => undefined);
    await transport.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
