// What the HTTP front door's 202 waits on, alone: produce -> delivery report of the project's
// `acknowledge: 'each'` producer (the one a source node writes with), at an open-loop rate, with the
// sample images as values, to a 6-partition topic on the broker. No HTTP, no runtime, no detectors:
// if this tail is already over the 202's goal, the broker or the producer settings are the cause.
//   eval "$(bash scripts/stack.sh env)"; export VF_BROKERS
//   npx tsx bench/ingest-produce-latency.ts --rate 4 --seconds 30 [--set linger.ms=0 ...]
// --set k=v (repeatable) adds librdkafka properties, as KafkaTransportOptions.librdkafka does.
// Also prints the process's event-loop delay (perf_hooks.monitorEventLoopDelay) over the run, so a
// tail from a blocked loop tells itself apart from one spent waiting on the broker.
// Not a test: it prints numbers for docs/ingest.md.
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KafkaTransport } from '@vision-flow/core';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SHARED_IMAGES = join(REPO, '..', 'shared', 'images');

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rate = arg('rate', 4);
const seconds = arg('seconds', 30);
const overrides: Record<string, string | number | boolean> = {};
process.argv.forEach((a, i) => {
  if (a !== '--set') return;
  const [k, v] = process.argv[i + 1]!.split('=') as [string, string];
  overrides[k] = /^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
});

async function loadSamples(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const folder of (await readdir(SHARED_IMAGES)).sort()) {
    for (const f of (await readdir(join(SHARED_IMAGES, folder))).sort()) {
      if (['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase())) out.push(await readFile(join(SHARED_IMAGES, folder, f)));
    }
  }
  return out;
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const ms = (ns: number) => (ns / 1e6).toFixed(1);

async function main(): Promise<void> {
  const brokers = process.env['VF_BROKERS'];
  if (!brokers) throw new Error('set VF_BROKERS (eval "$(bash scripts/stack.sh env)")');
  const samples = await loadSamples();
  const topic = `bench-produce-${randomUUID().slice(0, 8)}`;
  const transport = await KafkaTransport.connect({ brokers, clientId: 'bench-produce-latency', librdkafka: overrides });
  await transport.admin().createTopics([{ name: topic, partitions: 6, maxMessageBytes: 16 << 20 }]);
  const producer = await transport.producer({ acknowledge: 'each' });
  try {
    await producer.send({ topic, key: Buffer.from('warm-up'), value: samples[0]!, headers: { 'vf-tenant': 'bench' } });
    const latencies: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; ; i++) {
      const due = started + (i * 1000) / rate;
      if (due - started >= seconds * 1000) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      // A fresh UUID key as httpSource writes: keys spread over the partitions.
      sends.push(producer.send({ topic, key: Buffer.from(randomUUID()), value: samples[i % samples.length]!, headers: { 'vf-tenant': 'bench', 'vf-token': 'x'.repeat(300) }, timestamp: Date.now() }).then(() => latencies.push(performance.now() - t0)));
    }
    await Promise.all(sends);
    loop.disable();
    const sorted = latencies.sort((a, b) => a - b);
    const avgKiB = samples.reduce((n, s) => n + s.length, 0) / samples.length / 1024;
    console.log(`produce->report at ${rate}/s for ${seconds} s, ${avgKiB.toFixed(0)} KiB on average, overrides ${JSON.stringify(overrides)}: ${sorted.length} sends, p50 ${pct(sorted, 0.5).toFixed(1)} ms, p90 ${pct(sorted, 0.9).toFixed(1)} ms, p99 ${pct(sorted, 0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
    console.log(`event-loop delay over the run: p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`);
  } finally {
    await producer.close();
    await transport.admin().deleteTopics([topic]).catch(() => undefined);
    await transport.close();
  }
}

await main();
