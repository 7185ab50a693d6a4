import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import type { TopologyRunner } from '../runtime/topology-runner.js';
import type { Transport } from '../transport/transport.js';
import { ConsumerLag, type PartitionLag } from './consumer-lag.js';

export interface NodeMetricsOptions {
  /** The runner's transport: consumer lag is read from its admin (end offsets and group commits). */
  readonly transport: Transport;
  /** Process metrics (CPU, memory, event loop lag, GC: prom-client's default metrics); default true. */
  readonly processMetrics?: boolean;
}

/** Seconds, from a millisecond up: a pass-through stage to a slow model's inference. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SOURCE = '';
/** How long a scrape waits for the brokers' offsets before showing the last lag read. */
const LAG_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * The Prometheus metrics of the nodes one runner runs, in a registry of their own (two runners in
 * one process never share a metric), fed by the runner's instrumentation events; gauges (in flight,
 * pull credits, lag) are read when scraped. Names and labels: docs/observability.md.
 *
 * @example
 * const metrics = new NodeMetrics(runner, { transport });
 * await runner.start();
 * const text = await metrics.text();   // Prometheus text format 0.0.4
 */
export class NodeMetrics {
  readonly registry: Registry;
  private readonly lag: ConsumerLag;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(runner: TopologyRunner, opts: NodeMetricsOptions) {
    // Loaded when a process first serves metrics (Node caches it): ~40 ms of start-up that a run without them skips.
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
    this.registry = new Registry();
    const register = [this.registry];
    this.registry.setDefaultLabels({ topology: runner.topology.name });
    const groups = new Map(runner.runners.filter((r) => !r.isSourceNode).map((r) => [r.node, runner.topology.node$(r.node).groupId]));
    const lag = (this.lag = new ConsumerLag(runner.emitter, opts.transport.admin(), groups));

    const recordsIn = new Counter({ name: 'vision_flow_records_in_total', help: 'Input records a node finished (processed or dead-lettered), by input topic ("" for a source).', labelNames: ['node', 'topic'], registers: register });
    const recordsOut = new Counter({ name: 'vision_flow_records_out_total', help: 'Records a node wrote to its output topics, by topic.', labelNames: ['node', 'topic'], registers: register });
    const deadLetters = new Counter({ name: 'vision_flow_dead_letters_total', help: "Records a node sent to its dead-letter topic, by reason (the error's code).", labelNames: ['node', 'reason'], registers: register });
    const dropped = new Counter({ name: 'vision_flow_records_dropped_total', help: 'Records a stateful operator dropped on purpose (e.g. too late for its window), by reason.', labelNames: ['node', 'reason'], registers: register });
    const failures = new Counter({ name: 'vision_flow_node_failures_total', help: 'Times a node stopped on an error it could not go past, by code.', labelNames: ['node', 'code'], registers: register });
    const commits = new Counter({ name: 'vision_flow_commits_total', help: 'Offset commits of a node.', labelNames: ['node'], registers: register });
    const pauses = new Counter({ name: 'vision_flow_backpressure_pauses_total', help: 'Times a node paused an input partition that reached its in-flight limit.', labelNames: ['node'], registers: register });
    const recordSeconds = new Histogram({ name: 'vision_flow_record_duration_seconds', help: 'From taking an input record until everything it caused is written.', labelNames: ['node'], buckets: LATENCY_BUCKETS, registers: register });
    const stageSeconds = new Histogram({ name: 'vision_flow_stage_duration_seconds', help: "One record through one stage of a node (a run of operators, or a processor); stage is the operators' names joined by +.", labelNames: ['node', 'stage'], buckets: LATENCY_BUCKETS, registers: register });
    const inferenceSeconds = new Histogram({ name: 'vision_flow_inference_duration_seconds', help: "A model's run on one input, as its operator reports it (wait for a worker, inference, post-processing).", labelNames: ['node', 'operator', 'model'], buckets: LATENCY_BUCKETS, registers: register });
    const restoreRemaining = new Gauge({ name: 'vision_flow_restore_remaining_records', help: 'Changelog records a store still has to read before its partition is ready (0 once restored).', labelNames: ['node', 'store', 'partition'], registers: register });
    const restored = new Counter({ name: 'vision_flow_restored_records_total', help: 'Changelog records read to restore stores.', labelNames: ['node', 'store'], registers: register });

    const e = runner.emitter;
    this.unsubscribe.push(
      e.on('node.record_processed', ({ payload: p }) => {
        recordsIn.inc({ node: p.node, topic: p.topic ?? SOURCE });
        recordSeconds.observe({ node: p.node }, p.durationMs / 1000);
      }),
      e.on('node.record_dead_lettered', ({ payload: p }) => {
        recordsIn.inc({ node: p.node, topic: p.topic ?? SOURCE });
        deadLetters.inc({ node: p.node, reason: p.code });
      }),
      e.on('node.output_produced', ({ payload: p }) => recordsOut.inc({ node: p.node, topic: p.topic })),
      e.on('node.record_dropped', ({ payload: p }) => dropped.inc({ node: p.node, reason: p.reason })),
      e.on('node.failed', ({ payload: p }) => failures.inc({ node: p.node, code: p.code })),
      e.on('node.committed', ({ payload: p }) => commits.inc({ node: p.node })),
      e.on('node.backpressure', ({ payload: p }) => pauses.inc({ node: p.node })),
      e.on('node.stage_completed', ({ payload: p }) => stageSeconds.observe({ node: p.node, stage: p.stage }, p.durationMs / 1000)),
      e.on('operator.inference', ({ payload: p }) => inferenceSeconds.observe({ node: p.node, operator: p.operator, model: p.model }, p.durationMs / 1000)),
      e.on('store.restore_progress', ({ payload: p }) => restoreRemaining.set({ node: p.node, store: p.store, partition: String(p.partition) }, Math.max(0, p.total - p.records))),
      e.on('store.restored', ({ payload: p }) => {
        restoreRemaining.set({ node: p.node, store: p.store, partition: String(p.partition) }, 0);
        restored.inc({ node: p.node, store: p.store }, p.records);
      }),
    );
    // Every node shows up from the first scrape, with zeros, rather than once it did something.
    for (const r of runner.runners) {
      for (const topic of r.isSourceNode ? [SOURCE] : r.inputTopics().map((t) => t.name)) recordsIn.inc({ node: r.node, topic }, 0);
      deadLetters.inc({ node: r.node, reason: 'none' }, 0);
    }

    const stats = () => runner.stats();
    new Gauge({ name: 'vision_flow_in_flight', help: 'Records a node has taken and not finished.', labelNames: ['node'], registers: register, collect() {
      for (const s of stats()) this.set({ node: s.node }, s.inFlight);
    } });
    new Gauge({ name: 'vision_flow_in_flight_limit', help: 'Records a node may hold in flight (maxInFlight).', labelNames: ['node'], registers: register, collect() {
      for (const s of stats()) this.set({ node: s.node }, s.inFlightLimit);
    } });
    new Gauge({ name: 'vision_flow_pull_credits', help: 'Records a node may pull now: its in-flight limit minus what is in flight.', labelNames: ['node'], registers: register, collect() {
      for (const s of stats()) this.set({ node: s.node }, Math.max(0, s.inFlightLimit - s.inFlight));
    } });
    new Gauge({ name: 'vision_flow_node_running', help: '1 while a node runs, else 0 (starting, stopping, stopped or failed).', labelNames: ['node', 'state'], registers: register, collect() {
      this.reset();
      for (const s of stats()) this.set({ node: s.node, state: s.state }, s.state === 'running' ? 1 : 0);
    } });
    new Gauge({ name: 'vision_flow_assigned_partitions', help: 'Input partitions a node holds in this process.', labelNames: ['node'], registers: register, collect() {
      for (const [node] of groups) this.set({ node }, lag.assigned(node));
    } });
    // One reading of the lag per scrape, shared by the two metrics that show it. Brokers away must
    // not fail the whole scrape: the other metrics matter most then.
    let reading: Promise<PartitionLag[] | undefined> | undefined;
    const readLag = () => (reading ??= withTimeout(lag.read(), LAG_TIMEOUT_MS).then((l) => l, () => undefined).finally(() => (reading = undefined)));
    new Counter({ name: 'vision_flow_consumer_lag_read_errors_total', help: 'Scrapes whose consumer lag could not be read from the brokers in time (the lag shown is the last one read).', registers: register, async collect() {
      if (!(await readLag())) this.inc();
    } });
    new Gauge({ name: 'vision_flow_consumer_lag', help: "Records on an input partition this process holds past its group's last commit (end offset minus committed offset).", labelNames: ['node', 'topic', 'partition'], registers: register, async collect() {
      const lags = await readLag();
      if (!lags) return;
      this.reset();
      for (const l of lags) this.set({ node: l.node, topic: l.topic, partition: String(l.partition) }, l.lag);
    } });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The metrics in the Prometheus text format (see `contentType`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.lag.close();
    this.registry.clear();
  }
}
