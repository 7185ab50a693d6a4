import { ConfigError, NodeEndpoints, NodeHttpServer, NodeMetrics, NodeReadiness, QueryViews, RunResources, TopologyRunner, type Topology, type Transport } from '@vision-flow/core';
import { resolveConfig } from '../../config/resolve-config.js';
import { connect } from '../../connect.js';
import { loadTopology } from '../../load-topology.js';
import { ProgressDisplay } from '../../output/progress-display.js';
import { restoreLine } from '../../output/restore-line.js';
import { droppedLines } from '../../output/dropped-lines.js';
import { RunMonitor, runCounts } from '../../output/run-monitor.js';
import type { InferenceWorkers } from '@vision-flow/operators/inference-workers';
import type { RunOptions, RunResult } from './types.js';

/**
 * `vision-flow run <topology>`: runs every node (or `--node` ones) of a topology in this process.
 * A run whose sources are all bounded ends by itself once everything drained; otherwise it runs
 * until SIGINT/SIGTERM, which drain in-flight work and commit before exit.
 */
export async function run(file: string, opts: RunOptions, inferenceWorkers?: InferenceWorkers): Promise<RunResult> {
  const params = { ...opts.set, ...(opts.images ? { images: opts.images } : {}), ...(opts.annotate ? { annotate: opts.annotate } : {}), ...(opts.out ? { out: opts.out } : {}) };
  const config = resolveConfig({ transport: opts.transport, brokers: opts.brokers, registry: opts.registry, models: opts.models, namespace: opts.namespace, sessionTimeout: opts.sessionTimeout, instanceId: opts.instanceId, queryPort: opts.queryPort, queryHost: opts.queryHost, httpPort: opts.httpPort, httpHost: opts.httpHost, config: opts.config, params });
  // The inference workers start (each a Node isolate loading ONNX Runtime) while this thread loads
  // the topology, unless bin.ts started them earlier still; a run without a detector closes them once
  // its nodes have started. The operators load while esbuild, in its own process, bundles the topology.
  const resources = new RunResources();
  const prestarted = import('@vision-flow/operators').then((o) => o.prestartInferencePool(resources, inferenceWorkers), () => undefined);
  const nodes = opts.node ?? [];
  const setUp = async () => {
    const topology = await loadTopology(file);
    if (config.transport === 'memory' && nodes.length > 0 && nodes.length < topology.nodes.length) {
      throw new ConfigError(`--node ${nodes.join(' --node ')} needs the kafka transport (--brokers host:port): with the embedded memory transport all nodes share this one process`);
    }
    await prestarted;
    return { topology, ...(await connect(config)) };
  };
  // Until the runner owns the prestarted workers, a failure here closes them.
  const { topology, transport, registry, close } = await setUp().catch(async (e: unknown) => {
    await prestarted;
    await resources.close();
    throw e;
  });
  const runner = new TopologyRunner(topology, { transport, registry, nodes, resources, params: config.params, modelDir: config.modelDir, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
  const monitor = new RunMonitor(runner.emitter);
  monitor.onRestored((p) => process.stderr.write(`${restoreLine(p)}\n`));
  // Listening and made before start: /ready answers 503 until the nodes are assigned and restored, and the views see the first assignment.
  const http = config.httpPort === undefined ? undefined : await NodeHttpServer.listen(config.httpPort, config.httpHost).catch(async (e: unknown) => {
    await close();
    throw new ConfigError(`cannot serve HTTP on ${config.httpHost}:${config.httpPort} (${(e as Error).message}); pick another --http-port, or 0 for a free one`, { option: 'httpPort' }, e);
  });
  const endpoints = http ? nodeEndpoints(runner, transport, http) : undefined;
  const views = http ? new QueryViews(runner, { transport, registry, server: http, instanceId: config.instanceId }) : undefined;
  if (http) process.stderr.write(`http: ${http.url} (/health, /ready, /metrics, /stores)\n`);
  const sourceNodes = runner.runners.filter((r) => r.isSourceNode).map((r) => r.node);
  const sinkNodes = runner.runners.filter((r) => !r.isSourceNode && !topology.node$(r.node).plan.output).map((r) => r.node);
  const unit = sourceUnit(topology);
  const progress = new ProgressDisplay({ stream: process.stderr, unit, sourceNodes, sinkNodes, stats: () => runner.stats(), monitor });
  let stoppedBy: NodeJS.Signals | undefined;
  const forceExit = (signal: NodeJS.Signals) => {
    process.stderr.write(`vision-flow: ${signal} again: exiting now; records in flight are read again from the last commit\n`);
    // Ends by the signal itself (exit status 128 + n, as a shell expects). process.exit() would first
    // join libuv's threads, and one still waiting inside librdkafka can keep it from ever returning.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  const stopOnSignal = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    process.stderr.write(`\nvision-flow: ${signal}: draining in-flight records and committing (again to force exit)\n`);
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    process.once('SIGINT', forceExit);
    process.once('SIGTERM', forceExit);
    void runner.stop(signal);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await runner.start();
    if (views) process.stderr.write(`query views: ${await views.start()} (instance ${views.instanceId})\n`);
    if (opts.progress !== false) progress.start();
    if (runner.bounded && runner.runners.length === topology.nodes.length) await runner.runUntilDrained();
    else await runner.done;
  } finally {
    progress.stop();
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    monitor.close();
    await runner.stop('exit').catch(() => undefined);
    await views?.close().catch(() => undefined);
    endpoints?.close();
    await http?.close();
    await close();
  }
  const partial = runner.runners.length < topology.nodes.length;
  return { exitCode: 0, summary: partial ? summarizeNodes(topology, runner, monitor) : summarize(runner, monitor, sourceNodes, sinkNodes, unit, stoppedBy) };
}

/** /health, /ready and /metrics of this process's nodes, mounted on its HTTP server. */
function nodeEndpoints(runner: TopologyRunner, transport: Transport, http: NodeHttpServer): { close(): void } {
  const metrics = new NodeMetrics(runner, { transport });
  const readiness = new NodeReadiness(runner);
  const unmount = http.mount(new NodeEndpoints({ topology: runner.topology.name, nodes: runner.runners.map((r) => r.node) }, readiness, metrics));
  return {
    close() {
      unmount();
      readiness.close();
      metrics.close();
    },
  };
}

function sourceUnit(topology: Topology): string {
  const units = new Set(topology.nodes.flatMap((n) => (n.plan.input.kind === 'source' ? [n.plan.input.source.unit ?? 'records'] : [])));
  return units.size === 1 ? [...units][0]! : 'records';
}

/** A `--node` run sees one part of the flow: say what each of its nodes did, not images/s of the whole. */
function summarizeNodes(topology: Topology, runner: TopologyRunner, monitor: RunMonitor): string[] {
  const seconds = monitor.elapsedSeconds();
  const unitOf = (node: string) => {
    const input = topology.node$(node).plan.input;
    return input.kind === 'source' ? (input.source.unit ?? 'records') : 'records';
  };
  const lines = runner.stats().map((s) => `${s.node}: ${s.processed + s.deadLettered} ${unitOf(s.node)} in, ${s.produced} produced, ${s.deadLettered} dead-lettered in ${seconds.toFixed(1)} s`);
  return [...lines, ...rejectionLines(monitor), ...deadLetterLines(monitor)];
}

function deadLetterLines(monitor: RunMonitor): string[] {
  const dl = [...monitor.deadLettersByNode()].map(([node, n]) => `${node}.dlq (${n})`);
  return dl.length === 0 ? [] : [`dead letters: ${dl.join(', ')}`];
}

function rejectionLines(monitor: RunMonitor): string[] {
  const rejections = monitor.rejections();
  return rejections.length === 0 ? [] : ['rejected:', ...rejections.map((r) => `  ${r.key}: ${r.code} in ${r.node}: ${r.message}`)];
}

/**
 * `N images, R rejected, X images/s (D delivered in S s)` for a run that went to the end. A run a
 * signal stopped has its sources' count ahead of what was processed (a source reads far ahead),
 * so it says which is which and why it ended.
 */
function summarize(runner: TopologyRunner, monitor: RunMonitor, sourceNodes: readonly string[], sinkNodes: readonly string[], unit: string, stoppedBy: NodeJS.Signals | undefined): string[] {
  const stats = runner.stats();
  const { ingested, delivered } = runCounts(stats, sourceNodes, sinkNodes);
  const seconds = monitor.elapsedSeconds();
  const rate = `${(delivered / seconds).toFixed(1)} ${unit}/s`;
  const counted = ingested > 0 ? ingested : stats.reduce((n, s) => Math.max(n, s.processed), 0);
  const lines =
    stoppedBy === undefined
      ? [`${counted} ${unit}, ${monitor.rejectedCount} rejected, ${rate} (${delivered} delivered in ${seconds.toFixed(1)} s)`]
      : [`${counted} ${unit} ingested, ${delivered} delivered, ${monitor.rejectedCount} rejected, ${rate} in ${seconds.toFixed(1)} s (stopped by ${stoppedBy}${runner.bounded ? ' before the end' : ''})`];
  lines.push(...rejectionLines(monitor));
  lines.push(...deadLetterLines(monitor));
  lines.push(...droppedLines(monitor.droppedByNode()));
  return lines;
}
export type { RunOptions, RunResult } from './types.js';
