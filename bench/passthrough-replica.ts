// One replica process of a bench/passthrough-node.ts run, forked by it (bench/replicas.ts):
// - `node`: the pass-through node, the same topology in the same consumer group in every replica,
//   as `vision-flow up --replicas pass=N` runs a node in production;
// - `raw`: the raw librdkafka loop over this replica's share of the input partitions.
// Runs until the parent sends 'stop', then reports what it cost (CPU of the whole process and per
// thread, event-loop busy share, GC) and exits.
import { PerformanceObserver } from 'node:perf_hooks';
import { ConfluentSchemaRegistry, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, TopologyRunner } from '@vision-flow/core';
import { passThrough } from './passthrough-topology.js';
import { rawPassthrough, threadCpu } from './raw-passthrough.js';
import type { ReplicaReport, ReplicaSpec } from './replicas.js';

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as ReplicaSpec;
  // Where a replica's start-up goes: the process and its modules, then connecting and joining the group.
  const launchedAt = Number(process.argv[3]);
  const since = () => `${((Date.now() - launchedAt) / 1000).toFixed(1)} s`;
  const loaded = since();
  const cpu = process.cpuUsage();
  const threadsBefore = threadCpu();
  const elu = performance.eventLoopUtilization();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => void list.getEntries().forEach((e) => (gcMs += e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const stopped = new AbortController();
  // 'stop' from the parent; a parent gone (its IPC channel closed) stops the replica too.
  const stop = new Promise<void>((resolve) => {
    process.on('message', (m) => m === 'stop' && (stopped.abort(), resolve()));
    process.on('disconnect', () => process.exit(4));
  });

  if (spec.kind === 'node') {
    const transport = new NamespacedTransport(await KafkaTransport.connect({ brokers: spec.brokers, clientId: 'bench-passthrough', ...(spec.linger !== undefined ? { librdkafka: { 'linger.ms': spec.linger } } : {}) }), spec.namespace);
    const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: spec.registry }), spec.namespace);
    const runner = new TopologyRunner(passThrough(spec.name, spec.maxInFlight), { transport, registry });
    await runner.start();
    console.log(`  replica ${process.pid}: modules loaded ${loaded}, runner started ${since()} after launch`);
    const watch = setInterval(() => runner.stats().some((s) => s.state === 'failed') && process.exit(3), 200);
    await stop;
    clearInterval(watch);
    report(cpu, threadsBefore, elu, gcMs);
    await runner.stop('bench done');
    await transport.close();
  } else {
    const run = rawPassthrough({ brokers: spec.brokers, inputTopic: spec.inputTopic, outputTopic: spec.outputTopic, messages: Number.POSITIVE_INFINITY, acks: spec.acks, groupId: spec.name, partitions: spec.partitions, stop: stopped.signal });
    await stop;
    report(cpu, threadsBefore, elu, gcMs);
    await run;
  }
  gc.disconnect();
}

function report(cpu: NodeJS.CpuUsage, threadsBefore: Map<string, number>, elu: ReturnType<typeof performance.eventLoopUtilization>, gcMs: number): void {
  const d = process.cpuUsage(cpu);
  const r: ReplicaReport = { cpuSeconds: (d.user + d.system) / 1e6, threads: [...threadCpu()].map(([name, s]) => [name, s - (threadsBefore.get(name) ?? 0)]), eventLoopBusy: performance.eventLoopUtilization(elu).utilization, gcSeconds: gcMs / 1000 };
  process.send!(r);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
