import type { StateStore } from '../../state/state-store.js';
import type { OperatorContext, OperatorMeasure } from '../../dsl/operator-context.js';
import type { SourceReader } from '../../dsl/source.js';
import type { AnyTopic } from '../../dsl/topic.js';
import type { NodeDefinition } from '../../dsl/topology.js';
import { errorCode, errorMessage } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { settlesWithin } from '../../internal/delay.js';
import { RECORD_RETRY } from '../../retry/defaults.js';
import type { TopicSpec, TransportProducer } from '../../transport/transport.js';
import { InFlightLimiter } from '../in-flight-limiter.js';
import { OrderedDispatcher } from '../ordered-dispatcher.js';
import { compileStages, type Stage } from '../pipeline.js';
import { Changelog } from './changelog.js';
import { DeadLetterWriter } from './dead-letter-writer.js';
import type { NodeCounts, NodeState, NodeStats } from './node-stats.js';
import { NodeTopics, type NodeSerdes } from './node-topics.js';
import { RecordOutput } from './record-output.js';
import { RecordPath } from './record-path.js';
import { SourceInput } from './source-input.js';
import { StageChain } from './stage-chain.js';
import { TaskSet } from './task-set.js';
import { TopicInput } from './topic-input.js';
import type { NodeRunnerOptions } from './node-runner-options.js';

export type { NodeRunnerOptions } from './node-runner-options.js';

/**
 * Runs one node: its lifecycle only. The parts it wires do the work: an input (TopicInput or
 * SourceInput) admits records into the RecordPath, which runs them through the StageChain and the
 * RecordOutput; the OffsetCommitter commits an input offset only once the outputs of that record
 * and of every earlier record of its partition are acknowledged (at-least-once).
 */
export class NodeRunner {
  readonly topology: string;
  readonly node: string;
  readonly context: OperatorContext;
  private readonly def: NodeDefinition;
  private readonly topics: NodeTopics;
  private readonly limiter: InFlightLimiter;
  private readonly log: (message: string) => void;
  private readonly counts: NodeCounts = { processed: 0, deadLettered: 0, produced: 0 };
  private readonly abort = new AbortController();
  private state: NodeState = 'created';
  private prepared: Promise<NodeSerdes> | undefined;
  private stages: Stage[] | undefined;
  private producer: TransportProducer | undefined;
  private tasks: TaskSet | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private input: TopicInput | SourceInput | undefined;
  private reader: SourceReader<unknown, unknown> | undefined;
  private loop: Promise<unknown> = Promise.resolve();
  private readonly finished: Promise<void>;
  private finish!: (error?: unknown) => void;

  constructor(private readonly opts: NodeRunnerOptions) {
    this.def = opts.node;
    this.topology = opts.topology.name;
    this.node = opts.node.name;
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    const report = (m: OperatorMeasure) => opts.emitter.emit('operator.inference', { node: this.node, operator: m.operator, model: m.model, durationMs: m.durationMs });
    this.context = { topology: this.topology, node: this.node, params: opts.params ?? {}, modelDir: opts.modelDir, resources: opts.resources, log: this.log, report };
    this.topics = new NodeTopics(this.topology, this.def);
    this.limiter = new InFlightLimiter(this.def.options.maxInFlight, this.def.options.maxInFlightPerPartition);
    this.finished = new Promise<void>((resolve, reject) => (this.finish = (error) => (error === undefined ? resolve() : reject(error))));
    this.finished.catch(() => undefined);
  }

  /** Resolves when the node has stopped (a bounded source drained, or `stop()`); rejects if it failed. */
  get done(): Promise<void> {
    return this.finished;
  }

  stats(): NodeStats {
    const source = this.input instanceof SourceInput ? this.input : undefined;
    return { node: this.node, state: this.state, inFlight: this.limiter.count, inFlightLimit: this.limiter.limit, ...this.counts, sourceExhausted: source?.isExhausted ?? false, sourceTotal: this.reader?.total };
  }

  /** True when nothing is in flight and no punctuation output is pending. */
  isIdle(): boolean {
    return this.limiter.count === 0 && (this.tasks?.isIdle ?? true);
  }

  /** The topology's `commitInterval` of this node, else the runner's, else 1 s. */
  private get commitIntervalMs(): number {
    return this.def.options.commitIntervalMs ?? this.opts.commitIntervalMs ?? 1000;
  }

  get isSourceNode(): boolean {
    return this.def.plan.input.kind === 'source';
  }

  inputTopics(): AnyTopic[] {
    return this.topics.inputs;
  }

  /** Topics this node reads or writes, with its dead-letter and changelog topics. */
  topicSpecs(): TopicSpec[] {
    return this.topics.specs();
  }

  /**
   * Creates the node's topics and checks and registers its schemas, without reading or writing
   * any record, so a schema refusal in one node stops a run before another has written anything.
   */
  async prepare(): Promise<void> {
    await this.serdes();
    this.operatorStages();
  }

  /**
   * The node's operators, built with its context once: by `prepare`, so that what they start ahead
   * (a detector's inference workers opening its model) starts for every node of a run before the
   * first node starts, not one node's start after another (measured: the second detector's model
   * was opened ~50 ms after the first's).
   */
  private operatorStages(): Stage[] {
    return (this.stages ??= compileStages(this.def.plan.operators, this.context));
  }

  private serdes(): Promise<NodeSerdes> {
    return (this.prepared ??= this.opts.transport.admin().createTopics(this.topics.specs()).then(() => this.topics.prepare(this.opts.registry, this.opts.transport.admin())));
  }

  async start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return; // stopped before it started
    if (this.state !== 'created') throw new Error(`node ${this.node} was already started`);
    this.state = 'starting';
    const { transport, emitter } = this.opts;
    const serdes = await this.serdes();
    // A node reading topics counts outputs done once the producer has them, and checkpoints before
    // each commit; a source cannot read again, and settles its records only once each is acknowledged.
    const maxBatchBytes = this.topics.maxWriteBytes();
    const producer = (this.producer = await transport.producer({ clientId: this.def.groupId, acknowledge: this.isSourceNode ? 'each' : 'checkpoint', ...(maxBatchBytes ? { maxBatchBytes } : {}) }));
    const fatal = (e: unknown) => this.fail(e);
    const output = new RecordOutput(this.node, producer, serdes.output, this.counts, emitter);
    const deadLetters = new DeadLetterWriter(this.node, serdes.deadLetters, output, this.counts, emitter, fatal);
    const chain = new StageChain(this.operatorStages(), output, this.node, emitter);
    const changelog = new Changelog(transport, this.def.groupId, serdes.changelogs, output);
    const tasks = (this.tasks = new TaskSet({ context: this.context, emitter, stages: chain.stages, changelog, scheduler: this.opts.scheduler, stateDir: this.opts.stateDir, log: this.log, flushedBeforeCommit: this.def.plan.input.kind !== 'source', durable: producer.durable && (() => producer.durable!()), downstream: (rec, from, task) => chain.runFrom(rec, from, task), punctuationFailed: deadLetters.punctuationFailed }));
    const path = new RecordPath({ node: this.node, chain, deadLetters, counts: this.counts, emitter, log: this.log, retry: this.opts.recordRetry ?? RECORD_RETRY, timeoutMs: this.def.options.recordTimeoutMs, onFatal: fatal });
    const dispatcher = new OrderedDispatcher(this.def.options.ordering);
    const { input: plan } = this.def.plan;
    if (plan.kind === 'source') {
      const task = tasks.taskFor(0);
      await task.ready;
      const reader = await plan.source.open({ ...this.context, signal: this.abort.signal });
      this.reader = reader;
      const input = (this.input = new SourceInput({ node: this.node, reader, task, limiter: this.limiter, dispatcher, path, emitter, stateful: chain.hasState }));
      // A source node commits no offsets; its record caches flush at the same rate instead.
      if (chain.hasState) (this.flushTimer = setInterval(() => void task.flush(), this.commitIntervalMs)).unref();
      if (await this.stoppedWhileStarting()) return;
      this.state = 'running';
      this.loop = input.run().then((end) => (end === 'exhausted' ? this.close('source exhausted') : undefined));
    } else {
      const o = this.opts;
      // A stateful node reading several topics keeps partition i of every input on one member, or a key's records meet in different stores.
      const input = (this.input = new TopicInput({
        node: this.node, groupId: this.def.groupId, transport, producer, serdes: serdes.inputs, copartitioned: plan.topics.length > 1 && chain.hasState, stateful: chain.hasState,
        limiter: this.limiter, dispatcher, tasks, path, emitter, log: this.log, onFatal: fatal,
        pollTimeoutMs: o.pollTimeoutMs ?? 100, maxPollRecords: o.maxPollRecords ?? 500, revokeTimeoutMs: o.revokeTimeoutMs ?? 10_000, commitIntervalMs: this.commitIntervalMs,
      }));
      await input.connect();
      if (this.state === 'starting') await input.join();
      if (await this.stoppedWhileStarting()) return;
      this.state = 'running';
      this.loop = input.start();
    }
    this.loop.catch(fatal);
    emitter.emit('node.started', { node: this.node, transport: transport.kind, input: plan.kind === 'source' ? plan.source.kind : plan.topics.map((t) => t.name).join(',') });
  }

  /**
   * Whether `stop()` was called while `start()` was waiting (e.g. SIGTERM while joining the group).
   * Then the stop has closed what existed when it ran, and this closes what `start()` made since,
   * so the node ends as stopped, not failed.
   */
  private async stoppedWhileStarting(): Promise<boolean> {
    if (this.state === 'starting') return false;
    await this.closeClients();
    return true;
  }

  /** Graceful stop: stop pulling, let in-flight records finish (within the deadline), commit, close. */
  async stop(reason = 'requested'): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed' || this.state === 'stopping') return this.finished.catch(() => undefined);
    this.state = 'stopping';
    this.abort.abort();
    this.input?.stopPulling();
    await this.reader?.close().catch(() => undefined);
    await this.loop.catch(() => undefined);
    const timeout = this.opts.shutdownTimeoutMs ?? 30_000;
    const drained = await settlesWithin(this.limiter.whenDrained(), timeout);
    if (!drained) this.log(`${this.node}: ${this.limiter.count} records still in flight after ${timeout} ms; their offsets stay uncommitted and will be redelivered`);
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.tasks) await settlesWithin(this.tasks.flush(), timeout);
    await Promise.all((this.tasks?.idle() ?? []).map((idle) => settlesWithin(idle, timeout)));
    await this.close(reason);
  }

  /** The stores named `name` of this node's running tasks, by partition: the read side for query views and tests. */
  stores(name: string): Map<number, StateStore> {
    return this.tasks?.stores(name) ?? new Map();
  }

  /** The bounded input ended upstream: stateful processors emit what is final now. */
  async endOfInput(): Promise<void> {
    await this.tasks?.endOfInput();
  }

  /** Commits every offset that is complete now (the periodic commit does this too). */
  async commitNow(): Promise<void> {
    if (this.input instanceof TopicInput) await this.input.commit();
  }

  private async close(reason: string): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.state = 'stopping';
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.input instanceof TopicInput) {
      await this.input.stopPulling();
      await this.input.commit().catch((e: unknown) => this.log(`${this.node}: final commit failed: ${errorMessage(e)}`));
      await this.input.settleHeld().catch(() => undefined); // what is lost here is emitted again, at least once
    }
    this.tasks?.closeAll();
    await this.closeClients(10_000);
    this.state = 'stopped';
    this.opts.emitter.emit('node.stopped', { node: this.node, reason });
    this.finish();
  }

  /** A failure the node cannot go past without losing data: stop at once, commit nothing more. */
  private fail(error: unknown): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'failed';
    this.abort.abort();
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.input instanceof TopicInput) this.input.halt();
    else this.input?.stopPulling();
    this.opts.emitter.emit('node.failed', { node: this.node, code: errorCode(error), message: errorMessage(error) });
    void (async () => {
      this.tasks?.closeAll();
      await this.closeClients();
      this.finish(error);
    })();
  }

  /**
   * Closes the consumer (leaving the group), the producer (after up to `flushMs` for what it holds)
   * and the source. A client that fails to close is said, not hidden: one librdkafka still holds
   * keeps the process from exiting.
   */
  private async closeClients(flushMs?: number): Promise<void> {
    const said = (what: string) => (e: unknown) => this.log(`${this.node}: closing the ${what} failed: ${errorMessage(e)}`);
    if (this.input instanceof TopicInput) await this.input.close().catch(said('consumer'));
    if (flushMs !== undefined) await this.producer?.flush(flushMs).catch(() => undefined); // close() flushes again, for longer
    await this.producer?.close().catch(said('producer'));
    await this.reader?.close().catch(said('reader'));
  }
}
