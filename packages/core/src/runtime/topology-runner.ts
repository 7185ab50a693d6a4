import type { Topology } from '../dsl/topology.js';
import { outputTopics } from '../dsl/node-stream.js';
import { ConfigError } from '../errors/config-error.js';
import { delay } from '../internal/delay.js';
import { errorMessage } from '../errors/vision-flow-error.js';
import { InstrumentationEmitter } from '../instrumentation/emitter.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import type { Transport } from '../transport/transport.js';
import type { StateStore } from '../state/state-store.js';
import type { Params } from '../dsl/operator-context.js';
import { RunResources } from '../dsl/run-resources.js';
import { NodeRunner, type NodeRunnerOptions } from './node/node-runner.js';
import type { NodeStats } from './node/node-stats.js';

// What stats() returns, re-exported so the public index need not know where the node runner lives.
export type { NodeState, NodeStats } from './node/node-stats.js';

export interface TopologyRunnerOptions {
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  /** Run only these nodes (one process per node); default all. */
  readonly nodes?: readonly string[];
  readonly params?: Params;
  /** Folder model files are read from (the CLI passes `--models` / VF_MODEL_DIR); operators get it in their context. */
  readonly modelDir?: string;
  /** Folder persistent stores live in (the CLI's `--state-dir`); default `.vision-flow/state` under the working directory. */
  readonly stateDir?: string;
  readonly emitter?: InstrumentationEmitter;
  /** The run's shared resources, when some were prepared before the runner (see `RunResources.prepare`); the runner closes them when it stops. */
  readonly resources?: RunResources;
  readonly log?: (message: string) => void;
  readonly node?: Partial<Pick<NodeRunnerOptions, 'commitIntervalMs' | 'pollTimeoutMs' | 'maxPollRecords' | 'shutdownTimeoutMs' | 'revokeTimeoutMs' | 'scheduler'>>;
  /**
   * How often `runUntilDrained` checks for quiescence; default 5 ms on the memory transport, where a
   * check reads counters, and 25 ms on Kafka, where it asks the broker. A check costs nothing until
   * the sources are exhausted (the first of them returns early), and a drained run ends about two
   * intervals after its last record: the interval is what every bounded run adds to its wall time.
   */
  readonly drainCheckMs?: number;
}

/**
 * Runs some or all nodes of a topology in this process. Nodes still talk only through the
 * transport's topics, exactly as when each runs in a process of its own.
 */
export class TopologyRunner {
  /** Set by stop(): drain checks end, and the input is not "ended" (no endOfInput). */
  private stopping = false;
  /** The stop under way, if any (see `stop`). */
  private stopped: Promise<void> | undefined;
  readonly emitter: InstrumentationEmitter;
  readonly runners: readonly NodeRunner[];
  private readonly log: (message: string) => void;
  private started = false;
  /** Shared by the operators of every node here (both detectors' inference pool); closed after the last node stops. */
  private readonly resources: RunResources;

  constructor(
    readonly topology: Topology,
    private readonly opts: TopologyRunnerOptions,
  ) {
    this.emitter = opts.emitter ?? new InstrumentationEmitter();
    this.resources = opts.resources ?? new RunResources();
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    const names = opts.nodes && opts.nodes.length > 0 ? opts.nodes : topology.nodes.map((n) => n.name);
    for (const name of names) {
      if (!topology.nodes.some((n) => n.name === name)) {
        throw new ConfigError(`topology "${topology.name}" has no node "${name}"; its nodes are: ${topology.nodes.map((n) => n.name).join(', ')}`, { node: name });
      }
    }
    this.runners = names.map(
      (name) =>
        new NodeRunner({
          topology,
          node: topology.node$(name),
          transport: opts.transport,
          registry: opts.registry,
          emitter: this.emitter,
          params: opts.params ?? {},
          modelDir: opts.modelDir,
          resources: this.resources,
          stateDir: opts.stateDir,
          log: this.log,
          ...opts.node,
        }),
    );
  }

  /**
   * Creates every topic first (so start order does not matter) and checks every node's schemas
   * against the registry (so an incompatible schema refuses the run before any node has read or
   * written a record), then starts each node.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('topology runner already started');
    this.started = true;
    const specs = new Map(this.runners.flatMap((r) => r.topicSpecs()).map((s) => [s.name, s]));
    await this.opts.transport.admin().createTopics([...specs.values()]);
    for (const r of this.runners) await r.prepare();
    for (const r of this.runners) await r.start();
    await this.resources.closeUnclaimed();
  }

  /** Rejects as soon as any node fails; resolves when every node has stopped. */
  get done(): Promise<void> {
    return Promise.all(this.runners.map((r) => r.done)).then(() => undefined);
  }

  stats(): NodeStats[] {
    return this.runners.map((r) => r.stats());
  }

  /**
   * The store `store` of node `node` in this process, by partition (the partitions whose tasks
   * run here): the read side for query views and tests. Empty when no task of it runs here.
   */
  stores(node: string, store: string): Map<number, StateStore> {
    const runner = this.runners.find((r) => r.node === node);
    if (!runner) throw new ConfigError(`topology "${this.topology.name}" runs no node "${node}" in this process; it runs: ${this.runners.map((r) => r.node).join(', ')}`, { node });
    return runner.stores(store);
  }

  /** Whether every source of the running nodes is bounded, so the run can end by itself. */
  get bounded(): boolean {
    const sources = this.runners.filter((r) => r.isSourceNode);
    return sources.length > 0 && sources.every((r) => {
      const input = this.topology.node$(r.node).plan.input;
      return input.kind === 'source' && input.source.bounded;
    });
  }

  /**
   * For bounded runs: waits until the sources are exhausted and every node has consumed all its
   * input with nothing in flight, tells stateful nodes the input ended (final windows and partial
   * joins are emitted), waits for quiet again, then stops every node. A stop meanwhile (SIGTERM)
   * is not the end of the input: nodes may still be draining, so open joins and windows stay in
   * their stores and nothing is flushed as final.
   */
  async runUntilDrained(): Promise<void> {
    const failure = this.done.then(() => undefined);
    await Promise.race([this.quiescent(), failure]);
    if (!this.stopping) {
      for (const r of this.runners) if (!r.isSourceNode && !this.stopping) await r.endOfInput();
      await Promise.race([this.quiescent(), failure]);
    }
    await this.stop('input drained');
    await this.done;
  }

  /**
   * Stops every node gracefully (stop pulling, drain in flight, commit, close), upstream first: a
   * node stops once the nodes of this process that write its inputs have stopped, so it is still
   * pulling while they drain and what they finish reaches it. Nodes of one wave stop together
   * (two detectors reading one topic stop pulling at once, neither running on past the other).
   * What a stopped node has not pulled stays in its topic, uncommitted, as after a Kafka Streams
   * close. Idempotent: a signal, the end of a drained run and the CLI's exit share one stop.
   */
  stop(reason = 'requested'): Promise<void> {
    this.stopping = true;
    this.stopped ??= this.stopInWaves(reason);
    return this.stopped;
  }

  private async stopInWaves(reason: string): Promise<void> {
    const left = new Set(this.runners);
    while (left.size > 0) {
      let wave = [...left].filter((r) => !this.writersOf(r).some((w) => left.has(w)));
      if (wave.length === 0) wave = [...left]; // nodes feeding each other in a cycle stop together
      await Promise.all(
        wave.map((r) => r.stop(reason).catch((e: unknown) => this.log(`${r.node}: stop failed: ${errorMessage(e)}`))),
      );
      for (const r of wave) left.delete(r);
    }
    await this.resources.close().catch((e: unknown) => this.log(`closing the run's resources failed: ${errorMessage(e)}`));
  }

  /** The nodes of this process that write a topic `r` reads (output or dead letters). */
  private writersOf(r: NodeRunner): NodeRunner[] {
    const inputs = new Set(r.inputTopics().map((t) => t.name));
    return this.runners.filter((w) => {
      if (w === r) return false;
      const def = this.topology.node$(w.node);
      return outputTopics(def.plan).some((t) => inputs.has(t.name)) || inputs.has(def.deadLetterTopic);
    });
  }

  private async quiescent(): Promise<void> {
    const every = this.opts.drainCheckMs ?? (this.opts.transport.kind === 'memory' ? 5 : 25);
    // Nothing is quiet while a source reads: wait for every source node to end (exhausted, stopped or
    // failed) instead of checking all through the run (at 5 ms, ~20 ms of the thread per 400 images).
    await Promise.all(this.runners.filter((r) => r.isSourceNode).map((r) => r.done.catch(() => undefined)));
    // Two quiet checks in a row, an interval apart: a record in transit between nodes while one
    // check went through them shows up as lag in the next. The first check is at once: after
    // `endOfInput` emitted nothing, the run is done two checks later, not three.
    for (let quietChecks = 0; ; await delay(every)) {
      // A failed node rejects `done`, a stopped run (SIGTERM) resolves it: either way stop checking,
      // or this loop's timer keeps the process alive (a source stopped early is never "exhausted").
      if (this.stopping || this.runners.some((r) => r.stats().state === 'failed')) return;
      quietChecks = (await this.isQuiet()) ? quietChecks + 1 : 0;
      if (quietChecks === 2) return;
    }
  }

  private async isQuiet(): Promise<boolean> {
    for (const r of this.runners) {
      const s = r.stats();
      if (s.state === 'failed') return false;
      if (r.isSourceNode) {
        if (!(s.sourceExhausted && s.state === 'stopped')) return false;
        continue;
      }
      if (!r.isIdle()) return false;
      await r.commitNow();
      if ((await this.lag(r)) > 0) return false;
    }
    return true;
  }

  /** Records on the node's input topics that its group has not committed past. */
  async lag(r: NodeRunner): Promise<number> {
    const admin = this.opts.transport.admin();
    let lag = 0;
    for (const t of r.inputTopics()) {
      const [ends, committed] = await Promise.all([admin.endOffsets(t.name), admin.committedOffsets(this.topology.node$(r.node).groupId, t.name)]);
      for (const end of ends) lag += end.offset - (committed.find((c) => c.partition === end.partition)?.offset ?? 0);
    }
    return lag;
  }
}
