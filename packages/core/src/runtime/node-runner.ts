import type { NodeDefinition, Topology } from '../dsl/topology.js';
import type { SourceEnvelope, SourceReader } from '../dsl/source.js';
import type { AnyTopic } from '../dsl/topic.js';
import { changelogTopicName } from '../dsl/describe.js';
import { topic as declareTopic } from '../dsl/topic.js';
import { PoisonRecordError } from '../errors/poison-record-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { errorCode, errorMessage, isVisionFlowError, VisionFlowError } from '../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../instrumentation/emitter.js';
import { HeaderNames } from '../records/headers.js';
import { StreamRecord, isStreamRecord } from '../records/record.js';
import { retry, type RetryOptions } from '../retry/retry.js';
import { failureAction } from './failure-policy.js';
import { readProblems } from '../serde/avro/compatibility.js';
import { SchemaIncompatibleError } from '../serde/avro/schema-incompatible-error.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import { TopicSerde } from '../serde/topic-serde.js';
import { recordBatchBytes } from '../transport/record-size.js';
import type { StoreBuilder } from '../state/state-store.js';
import type {
  ConsumerOptions,
  IncomingMessage,
  OutgoingMessage,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
  Transport,
  TransportConsumer,
  TransportProducer,
} from '../transport/transport.js';
import type { OperatorContext, Params } from '../dsl/operator-context.js';
import { deadLetterTopic, toDeadLetter, type DeadLetter, type FailedInput } from './dead-letter.js';
import { InFlightLimiter } from './in-flight-limiter.js';
import { RecordDeadline } from './record-deadline.js';
import { OffsetTracker } from './offset-tracker.js';
import { OrderedDispatcher } from './ordered-dispatcher.js';
import { compileStages, failedOperator, runOperatorStage, type Stage } from './pipeline.js';
import { settleAll } from './settle.js';
import { Task, type TaskHost } from './task.js';

export interface NodeRunnerOptions {
  readonly topology: Topology;
  readonly node: NodeDefinition;
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  readonly emitter: InstrumentationEmitter;
  readonly params?: Params;
  /** Folder model files are read from; operators find it in their context. */
  readonly modelDir?: string | undefined;
  readonly log?: (message: string) => void;
  /** How often completed offsets are committed; default 1000 ms. */
  readonly commitIntervalMs?: number;
  readonly pollTimeoutMs?: number;
  readonly maxPollRecords?: number;
  /** How long a graceful stop waits for in-flight records before giving up on them; default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** How long a revoked partition's in-flight records may finish before they are abandoned; default 10 s. */
  readonly revokeTimeoutMs?: number;
  /** Retries of a record that failed with a retriable error; default 5 attempts, 200 ms to 5 s apart. */
  readonly recordRetry?: RetryOptions;
}

export type NodeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface NodeStats {
  readonly node: string;
  readonly state: NodeState;
  readonly inFlight: number;
  readonly processed: number;
  readonly deadLettered: number;
  readonly produced: number;
  readonly sourceExhausted: boolean;
  /** Records a bounded source will give in all, when it knows. */
  readonly sourceTotal: number | undefined;
}

interface Cause {
  readonly origin: string | undefined;
  readonly traceId: string | undefined;
}

/**
 * A record whose first attempt (on the hot path) failed; the retry policy takes it from there,
 * decoding the input again. Holding the decoded record instead would keep every record's decoded
 * value and outputs alive until its outputs are acknowledged, which multiplies what the garbage
 * collector copies for each record in flight.
 */
interface FirstAttempt {
  readonly started: number;
  readonly error: unknown;
}

/** Called once when a record's work is over: with its first error, or with nothing. */
type Done = (error?: unknown) => void;

const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Runs one node: pulls records only while it has free in-flight slots, runs each through the
 * node's operators, writes the outputs, and commits an input offset only when the outputs of that
 * record and of every earlier record of its partition are acknowledged (at-least-once). Records
 * that fail go to the node's dead-letter topic and the stream goes on.
 */
export class NodeRunner implements TaskHost {
  readonly topology: string;
  readonly node: string;
  readonly emitter: InstrumentationEmitter;
  readonly context: OperatorContext;
  private readonly def: NodeDefinition;
  private readonly stages: Stage[];
  private readonly limiter: InFlightLimiter;
  private readonly dispatcher: OrderedDispatcher;
  private readonly log: (message: string) => void;
  private readonly commitIntervalMs: number;
  private readonly pollTimeoutMs: number;
  private readonly maxPollRecords: number;
  private readonly shutdownTimeoutMs: number;
  private readonly revokeTimeoutMs: number;
  private readonly recordRetry: RetryOptions;
  private readonly recordTimeoutMs: number | undefined;

  private state: NodeState = 'created';
  private producer: TransportProducer | undefined;
  private consumer: TransportConsumer | undefined;
  /** Set while the node leaves its group and joins again to read from its last commit (see `rejoin`). */
  private rejoining: Promise<void> | undefined;
  private reader: SourceReader<unknown, unknown> | undefined;
  private readonly abort = new AbortController();
  private readonly trackers = new Map<string, OffsetTracker>();
  private readonly committed = new Map<string, number>();
  private readonly paused = new Set<string>();
  /** Input partitions (`topic:partition`) being revoked: their records are dropped, not admitted. */
  private readonly revoking = new Set<string>();
  private readonly tasks = new Map<number, Task>();
  private readonly inputSerdes = new Map<string, TopicSerde<unknown, unknown>>();
  private outputSerde: TopicSerde<unknown, unknown> | undefined;
  private dlqSerde: TopicSerde<string | null, DeadLetter> | undefined;
  private readonly changelogSerdes = new Map<string, TopicSerde<unknown, unknown>>();
  private commitTimer: NodeJS.Timeout | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  /** A full commit queued behind the running one; later full commits join it (see `commit`). */
  private commitWaiting: Promise<void> | undefined;
  private loop: Promise<void> = Promise.resolve();
  private prepared: Promise<void> | undefined;
  private fatal: unknown;
  private counts = { processed: 0, deadLettered: 0, produced: 0 };
  private exhausted = false;
  private readonly finished: Promise<void>;
  private finish!: (error?: unknown) => void;

  constructor(private readonly opts: NodeRunnerOptions) {
    this.def = opts.node;
    this.topology = opts.topology.name;
    this.node = opts.node.name;
    this.emitter = opts.emitter;
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.context = { topology: this.topology, node: this.node, params: opts.params ?? {}, modelDir: opts.modelDir, log: this.log };
    this.stages = compileStages(this.def.plan.operators, this.context);
    this.limiter = new InFlightLimiter(this.def.options.maxInFlight, this.def.options.maxInFlightPerPartition);
    this.dispatcher = new OrderedDispatcher(this.def.options.ordering);
    this.commitIntervalMs = opts.commitIntervalMs ?? 1000;
    this.pollTimeoutMs = opts.pollTimeoutMs ?? 100;
    this.maxPollRecords = opts.maxPollRecords ?? 500;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
    this.revokeTimeoutMs = opts.revokeTimeoutMs ?? 10_000;
    this.recordTimeoutMs = this.def.options.recordTimeoutMs;
    this.recordRetry = opts.recordRetry ?? { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 60_000 };
    this.finished = new Promise<void>((resolve, reject) => {
      this.finish = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.finished.catch(() => undefined);
  }

  /** Resolves when the node has stopped (a bounded source drained, or `stop()`); rejects if it failed. */
  get done(): Promise<void> {
    return this.finished;
  }

  stats(): NodeStats {
    return { node: this.node, state: this.state, inFlight: this.limiter.count, ...this.counts, sourceExhausted: this.exhausted, sourceTotal: this.reader?.total };
  }

  /** True when nothing is in flight and no punctuation output is pending. */
  isIdle(): boolean {
    return this.limiter.count === 0 && [...this.tasks.values()].every((t) => t.pendingBackground === 0);
  }

  get isSourceNode(): boolean {
    return this.def.plan.input.kind === 'source';
  }

  inputTopics(): AnyTopic[] {
    return this.def.plan.input.kind === 'topics' ? [...this.def.plan.input.topics] : [];
  }

  /** Topics this node reads or writes, with its dead-letter and changelog topics. */
  topicSpecs(): TopicSpec[] {
    const specs: TopicSpec[] = [];
    const add = (t: AnyTopic) => specs.push({ name: t.name, partitions: t.partitions, compacted: t.compacted, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes });
    this.inputTopics().forEach(add);
    if (this.def.plan.output) add(this.def.plan.output);
    add(deadLetterTopic(this.def.deadLetterTopic));
    for (const store of this.def.stores) if (store.logged) add(this.changelogTopic(store));
    return specs;
  }

  /**
   * Creates the node's topics and checks and registers its schemas, without reading or writing
   * any record. `TopologyRunner.start` prepares every node before starting any, so a schema
   * refusal in one node stops the run before another node (a source) has written anything.
   * Runs once; `start()` calls it too.
   */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await this.opts.transport.admin().createTopics(this.topicSpecs());
      await this.prepareSerdes();
    })();
    return this.prepared;
  }

  async start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return; // stopped before it started
    if (this.state !== 'created') throw new Error(`node ${this.node} was already started`);
    this.state = 'starting';
    const { transport } = this.opts;
    await this.prepare();
    // A node reading topics counts outputs done once the producer has them; each commit first
    // checkpoints the producer (Kafka Streams' flush before commit), so an offset is committed only
    // once they are acknowledged, and lost ones are read again. A source cannot read again, and
    // tells its records' outcome (`settle`) only once durable: it waits for each acknowledgement.
    const acknowledge = this.def.plan.input.kind === 'source' ? 'each' : 'checkpoint';
    const inputs = new Set(this.inputTopics().map((t) => t.name));
    const maxBatchBytes = Math.min(...this.topicSpecs().filter((t) => !inputs.has(t.name)).map((t) => t.maxMessageBytes ?? Infinity));
    this.producer = await transport.producer({ clientId: this.def.groupId, acknowledge, ...(Number.isFinite(maxBatchBytes) ? { maxBatchBytes } : {}) });
    if (this.def.plan.input.kind === 'source') {
      const task = this.taskFor(0);
      await task.ready;
      this.reader = await this.def.plan.input.source.open({ ...this.context, signal: this.abort.signal });
      if (await this.stoppedWhileStarting()) return;
      this.state = 'running';
      this.loop = this.sourceLoop();
    } else {
      this.consumer = await transport.consumer(this.consumerOptions());
      if (this.state === 'starting') await this.subscribe(this.consumer);
      if (await this.stoppedWhileStarting()) return;
      this.state = 'running';
      this.loop = this.pollLoop();
      this.commitTimer = setInterval(() => void this.commit().catch((e: unknown) => this.log(`${this.node}: commit failed, will retry: ${errorMessage(e)}`)), this.commitIntervalMs);
      this.commitTimer.unref();
    }
    this.loop.catch((e: unknown) => this.fail(e));
    this.emitter.emit('node.started', { node: this.node, transport: transport.kind, input: this.def.plan.input.kind === 'source' ? this.def.plan.input.source.kind : this.inputTopics().map((t) => t.name).join(',') });
  }

  private consumerOptions(): ConsumerOptions {
    // A stateful node reading several topics keeps one task per partition number: partition i of
    // every input must come to the same instance, or a key's records meet in different stores.
    const copartitioned = this.inputTopics().length > 1 && this.stages.some((s) => s.kind === 'processor');
    return { groupId: this.def.groupId, clientId: this.def.groupId, copartitioned };
  }

  /** May wait long: a member killed without leaving holds the group until its session expires. */
  private subscribe(consumer: TransportConsumer): Promise<void> {
    return consumer.subscribe(
      this.inputTopics().map((t) => t.name),
      { onAssigned: (tps) => this.onAssigned(tps), onRevoked: (tps) => this.onRevoked(tps) },
    );
  }

  /**
   * Writes taken by the producer since the last commit were lost (a checkpoint said so), so the
   * records that made them must run again. Like Kafka Streams with a corrupted task: the node
   * gives its partitions up without committing (their in-flight records no longer count), joins the
   * group again and reads on from the last commit. A static member gets its partitions straight back.
   */
  private rejoin(cause: unknown): void {
    if (this.rejoining || this.state !== 'running' || !this.consumer) return;
    this.log(`${this.node}: writes since the last commit were lost (${errorMessage(cause)}); reading again from the last commit`);
    const old = this.consumer;
    this.rejoining = (async () => {
      await old.close().catch(() => undefined); // revokes everything; commits are skipped meanwhile
      for (let backoff = 250; this.state === 'running'; backoff = Math.min(5000, backoff * 2)) {
        let fresh: TransportConsumer | undefined;
        try {
          fresh = await this.opts.transport.consumer(this.consumerOptions());
          this.consumer = fresh;
          await this.subscribe(fresh);
          return;
        } catch (e) {
          await fresh?.close().catch(() => undefined);
          if (isVisionFlowError(e) && !e.retriable) throw e;
          this.log(`${this.node}: joining the group again failed, retrying in ${backoff} ms: ${errorMessage(e)}`);
          await delay(backoff);
        }
      }
    })()
      .catch((e: unknown) => this.fail(e))
      .finally(() => {
        this.rejoining = undefined;
      });
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
    if (this.state === 'stopped' || this.state === 'failed') return this.finished.catch(() => undefined);
    if (this.state === 'stopping') return this.finished.catch(() => undefined);
    this.state = 'stopping';
    this.abort.abort();
    await this.reader?.close().catch(() => undefined);
    await this.loop.catch(() => undefined);
    const drained = await withDeadline(this.limiter.whenDrained(), this.shutdownTimeoutMs);
    if (!drained) this.log(`${this.node}: ${this.limiter.count} records still in flight after ${this.shutdownTimeoutMs} ms; their offsets stay uncommitted and will be redelivered`);
    await Promise.all([...this.tasks.values()].map((t) => withDeadline(t.idle(), this.shutdownTimeoutMs)));
    await this.close(reason);
  }

  /** The bounded input ended upstream: stateful processors emit what is final now. */
  async endOfInput(): Promise<void> {
    await settleAll([...this.tasks.values()].map((t) => t.endOfInput()));
  }

  /** Commits every offset that is complete now (the periodic commit does this too). */
  commitNow(): Promise<void> {
    return this.commit();
  }

  // ---------------------------------------------------------------- pulling

  private async pollLoop(): Promise<void> {
    let backoff = 0;
    // Poll again once a quarter of the slots (at most one poll's worth) is free, not after every record.
    const batch = Math.min(this.maxPollRecords, Math.ceil(this.limiter.limit / 4));
    while (this.state === 'running') {
      await this.limiter.whenFree(batch);
      await this.rejoining;
      if (this.state !== 'running') break;
      const consumer = this.consumer!;
      let messages: IncomingMessage[];
      try {
        messages = await consumer.poll(Math.min(this.limiter.free, this.maxPollRecords, this.partitionRoom()), this.pollTimeoutMs);
        backoff = 0;
      } catch (e) {
        if (this.rejoining) continue; // the consumer it polled was closed to rejoin
        if (isVisionFlowError(e) && !e.retriable) throw e;
        backoff = Math.min(5000, backoff * 2 || 100);
        this.log(`${this.node}: poll failed, retrying in ${backoff} ms: ${errorMessage(e)}`);
        await delay(backoff);
        continue;
      }
      if (consumer !== this.consumer) continue; // polled before a rejoin: the new member reads these again
      for (const m of messages) this.admit(m);
    }
  }

  /**
   * How many records one poll may return without taking any partition past its own limit: a poll
   * may return all of them from one partition, and a partition paused now may be resumed (with one
   * free slot) while the poll waits.
   */
  private partitionRoom(): number {
    const { limit, perPartitionLimit } = this.limiter;
    if (perPartitionLimit >= limit) return limit;
    let busiest = 0;
    for (const tp of this.consumer?.assignment() ?? []) busiest = Math.max(busiest, this.limiter.countFor(tpKey(tp.topic, tp.partition)));
    return Math.max(1, perPartitionLimit - busiest);
  }

  private admit(m: IncomingMessage): void {
    // The partition is leaving; its new owner re-reads it from the commit. By topic and number: a node
    // reading several topics may give up partition 3 of one and keep partition 3 of another.
    const key = tpKey(m.topic, m.partition);
    if (this.revoking.has(key)) return;
    let tracker = this.trackers.get(key);
    if (!tracker) this.trackers.set(key, (tracker = new OffsetTracker()));
    tracker.begin(m.offset);
    if (this.limiter.acquire(key) && !this.paused.has(key)) {
      this.paused.add(key);
      this.consumer?.pause([{ topic: m.topic, partition: m.partition }]);
      this.emitter.emit('node.backpressure', { node: this.node, inFlight: this.limiter.count, paused: [{ topic: m.topic, partition: m.partition }] });
    }
    const task = this.taskFor(m.partition);
    const finished = () => {
      // A partition revoked meanwhile lost its tracker: this completion must not move any commit.
      if (this.trackers.get(key) === tracker) tracker.complete(m.offset);
      if (this.limiter.release(key) && this.paused.delete(key)) this.consumer?.resume([{ topic: m.topic, partition: m.partition }]);
    };
    const laneKey = !this.dispatcher.byKey ? '' : m.key ? m.key.toString('latin1') : `#${m.offset}`;
    this.dispatcher.dispatch(key, laneKey, (next) =>
      this.processMessage(m, task, () => {
        finished();
        next();
      }),
    );
  }

  /**
   * Runs one consumed record and calls `done` once its outputs (or its dead letter) are
   * acknowledged. The hot path: when the writer schemas are known and the task is ready, the first
   * attempt runs without a promise; a failed attempt, a schema to fetch or a bad record takes
   * the general path below.
   */
  private processMessage(m: IncomingMessage, task: Task, finished: () => void): void {
    const deadline = this.recordTimeoutMs === undefined
      ? undefined
      : new RecordDeadline(this.recordTimeoutMs, (e) => this.deadLetter(e, 'node', failedInputOf(m)).catch((f: unknown) => this.fail(f)), finished, { node: this.node, record: `${m.topic}/${m.partition}/${m.offset}` });
    const done = deadline ? deadline.done : finished;
    const general = (first?: FirstAttempt) => void this.processMessageAsync(m, task, first, deadline?.signal).catch((e: unknown) => this.fail(e)).finally(done);
    let rec: StreamRecord<unknown, unknown> | undefined;
    try {
      rec = task.isReady ? this.inputSerdes.get(m.topic)!.fromInputIfKnown(m) : undefined;
    } catch {
      rec = undefined; // a bad record: the general path dead-letters it
    }
    if (!rec) return general();
    const started = Date.now();
    const keyText = keyToText(rec.key);
    const cause: Cause = { origin: `${m.topic}/${m.partition}/${m.offset}`, traceId: m.headers[HeaderNames.traceId] ?? keyText };
    this.continueAt(rec, 0, task, cause, (error) => {
      if (deadline?.expired) return; // dead-lettered as RECORD_TIMEOUT already
      if (error !== undefined) return general({ started, error });
      this.recordProcessed(m, keyText, started);
      done();
    });
  }

  private recordProcessed(m: IncomingMessage, keyText: string | undefined, started: number): void {
    this.counts.processed++;
    if (this.emitter.wants('node.record_processed')) this.emitter.emit('node.record_processed', { node: this.node, topic: m.topic, partition: m.partition, offset: m.offset, key: keyText, durationMs: Date.now() - started });
  }

  /** The general path: decodes (fetching schemas), dead-letters what cannot be read, retries under the policy. */
  private async processMessageAsync(m: IncomingMessage, task: Task, first?: FirstAttempt, expired?: AbortSignal): Promise<void> {
    const failed = failedInputOf(m);
    const started = first?.started ?? Date.now();
    let rec: StreamRecord<unknown, unknown>;
    try {
      rec = await this.inputSerdes.get(m.topic)!.fromInput(m);
    } catch (e) {
      if (isVisionFlowError(e) && e.retriable) throw e; // registry unreachable: not the record's fault
      await this.deadLetter(e, 'deserialize', failed);
      return;
    }
    const cause: Cause = { origin: `${m.topic}/${m.partition}/${m.offset}`, traceId: m.headers[HeaderNames.traceId] ?? keyToText(rec.key) };
    await task.ready;
    const keyText = keyToText(rec.key);
    const outcome = await this.runRecord(rec, task, cause, first?.error, expired);
    if (expired?.aborted) return; // dead-lettered as RECORD_TIMEOUT already
    if (outcome.ok) this.recordProcessed(m, keyText, started);
    else await this.deadLetter(outcome.error, outcome.operator, { ...failed, keyText: keyText ?? null }, outcome.attempts);
  }

  private async sourceLoop(): Promise<void> {
    const reader = this.reader!;
    const task = this.taskFor(0);
    let records = 0;
    while (this.state === 'running') {
      await this.limiter.whenFree();
      if (this.state !== 'running') break;
      const envelope = await reader.next();
      if (!envelope) {
        this.exhausted = true;
        break;
      }
      records++;
      this.limiter.acquire('source');
      const laneKey = this.dispatcher.byKey ? keyToText(envelope.record.key) ?? `#${records}` : '';
      this.dispatcher.dispatch('source', laneKey, (next) =>
        this.processSourceRecord(envelope, task, () => {
          this.limiter.release('source');
          next();
        }),
      );
    }
    if (this.exhausted && this.state === 'running') {
      await this.limiter.whenDrained();
      await task.idle();
      this.emitter.emit('source.exhausted', { node: this.node, records });
      await this.close('source exhausted');
    }
  }

  private processSourceRecord(envelope: SourceEnvelope<unknown, unknown>, task: Task, finished: () => void): void {
    const keyText = keyToText(envelope.record.key);
    const deadLettered = (error: unknown, operator: string, attempts: number) =>
      this.deadLetter(error, operator, { key: null, value: null, headers: envelope.record.headers, keyText: keyText ?? null }, attempts)
        .then(() => envelope.settle?.({ ok: false, error: asVisionFlowError(error) }));
    const deadline = this.recordTimeoutMs === undefined
      ? undefined
      : new RecordDeadline(this.recordTimeoutMs, (e) => deadLettered(e, 'node', 1).catch((f: unknown) => this.fail(f)), finished, { node: this.node, record: keyText ?? 'from the source' });
    void this.runSourceRecord(envelope, task, deadLettered, deadline?.signal)
      .catch((e: unknown) => this.fail(e))
      .finally(deadline ? deadline.done : finished);
  }

  private async runSourceRecord(
    envelope: SourceEnvelope<unknown, unknown>,
    task: Task,
    deadLettered: (error: unknown, operator: string, attempts: number) => Promise<void>,
    expired: AbortSignal | undefined,
  ): Promise<void> {
    const started = Date.now();
    const rec = envelope.record;
    const keyText = keyToText(rec.key);
    const traceId = rec.headers[HeaderNames.traceId] ?? keyText ?? `${this.node}-${started}-${Math.random().toString(36).slice(2, 10)}`;
    const outcome = envelope.error
      ? { ok: false as const, error: envelope.error as unknown, operator: 'source', attempts: 1 }
      : await this.runRecord(rec, task, { origin: undefined, traceId }, undefined, expired);
    if (expired?.aborted) return; // dead-lettered as RECORD_TIMEOUT already
    if (outcome.ok) {
      this.counts.processed++;
      this.emitter.emit('node.record_processed', { node: this.node, topic: undefined, partition: undefined, offset: undefined, key: keyText, durationMs: Date.now() - started });
      envelope.settle?.({ ok: true });
    } else {
      await deadLettered(outcome.error, outcome.operator, outcome.attempts);
    }
  }

  // ---------------------------------------------------------------- the pipeline

  /**
   * Runs a record through the whole pipeline under the failure policy: retriable errors are
   * retried, errors that say the node cannot work are thrown (the node fails), anything else is
   * returned for the dead-letter topic.
   */
  private async runRecord(rec: StreamRecord<unknown, unknown>, task: Task, cause: Cause, firstError?: unknown, expired?: AbortSignal): Promise<{ ok: true } | { ok: false; error: unknown; operator: string; attempts: number }> {
    let attempts = 0;
    let last: unknown;
    try {
      await retry(this.recordRetry, ({ attempt, error }) => this.log(`${this.node}: record ${keyToText(rec.key) ?? ''} failed (attempt ${attempt}), retrying: ${errorMessage(error)}`), expired)(async (bail) => {
        attempts++;
        try {
          // The hot path already made the first attempt; its error counts as attempt 1.
          if (attempts === 1 && firstError !== undefined) throw firstError;
          await this.runFrom(rec, 0, task, cause);
        } catch (e) {
          last = e;
          if (failureAction(e) !== 'retry') bail(e);
          throw e;
        }
      });
      return { ok: true };
    } catch (e) {
      if (failureAction(e) === 'fail') throw e;
      const operator = failedOperator(e) ?? failedOperator(last) ?? 'pipeline';
      return { ok: false, error: e, operator, attempts };
    }
  }

  /** TaskHost: continues a record at stage `from`; resolves once all it caused is durable. */
  runFrom(rec: unknown, from: number, task: Task, cause?: Cause): Promise<void> {
    return new Promise((resolve, reject) => this.continueAt(rec, from, task, cause, (e) => (e === undefined ? resolve() : reject(e))));
  }

  /**
   * Runs `rec` from stage `from` to the output topic and calls `done` once everything it caused
   * is acknowledged, or with the stage's error (else the first output's) once every output has
   * settled. Callbacks rather than promises: a record through synchronous operators costs no
   * promise at all, which is most of a pass-through node's work.
   */
  private continueAt(rec: unknown, from: number, task: Task, cause: Cause | undefined, done: Done): void {
    const stage = this.stages[from];
    if (!stage) return this.output(rec, cause, done);
    if (stage.kind === 'processor') {
      task.process(from, rec).then(() => done(), (e: unknown) => done(e ?? new Error('a processor failed with undefined')));
      return;
    }
    let open = 1; // the stage itself, plus one per output still being written
    let stageError: unknown;
    let outputError: unknown;
    const settle = () => {
      if (--open === 0) done(stageError ?? outputError);
    };
    runOperatorStage(
      stage,
      rec,
      (out) => {
        open++;
        this.continueAt(out, from + 1, task, cause, (e) => {
          if (e !== undefined) outputError ??= e;
          settle();
        });
      },
      (e) => {
        stageError = e;
        settle();
      },
    );
  }

  private output(rec: unknown, cause: Cause | undefined, done: Done): void {
    if (!this.outputSerde) return done(); // a sink node: the operators delivered it
    let message: OutgoingMessage;
    try {
      if (!isStreamRecord(rec)) {
        throw new VisionFlowError(`node "${this.node}" emitted ${describeValue(rec)} instead of a record; map to records with r.withValue(...)`, { code: 'NOT_A_RECORD', retriable: false });
      }
      let headers = rec.headers;
      if (cause?.origin || cause?.traceId) {
        const traced: Record<string, string> = { ...headers };
        if (cause.origin) traced[HeaderNames.origin] = cause.origin;
        // A trace id that is the record's own key goes without saying: readers take the key when the header is absent.
        if (cause.traceId && cause.traceId !== keyToText(rec.key)) traced[HeaderNames.traceId] = cause.traceId;
        headers = traced;
      }
      message = this.outputSerde.toMessage(rec, headers);
      this.checkSize(message);
    } catch (e) {
      return done(e);
    }
    // The callback keeps only the key and topic: the record and its message stay alive no longer than the send call.
    const key = rec.key;
    const topic = message.topic;
    this.producer!.produce(message, (e, report) => {
      if (e) return done(e);
      this.counts.produced++;
      // Without a report (the producer answers when it takes the message) there is no offset yet.
      if (this.emitter.wants('node.output_produced')) this.emitter.emit('node.output_produced', { node: this.node, topic: report?.topic ?? topic, partition: report?.partition, offset: report?.offset, key: keyToText(key) });
      done();
    });
  }

  /**
   * Refuses an output larger than its topic declares it takes, as the broker would. The producer
   * answers before the broker has seen a message, and a refusal it reports at the next checkpoint
   * can no longer be told apart from the other writes since the last commit: caught here, it is
   * this record's alone and goes to the dead-letter topic.
   */
  private checkSize(message: OutgoingMessage): void {
    const limit = this.def.plan.output!.maxMessageBytes;
    const size = recordBatchBytes(message.key, message.value, message.headers);
    if (size > limit) {
      throw new PoisonRecordError('MESSAGE_TOO_LARGE', `node "${this.node}": an output of ${size} bytes is larger than topic "${message.topic}" takes (maxMessageBytes ${limit}); raise the topic's maxMessageBytes or emit less`, { topic: message.topic });
    }
  }

  private async deadLetter(error: unknown, operator: string, input: FailedInput, attempts = 1): Promise<void> {
    const { value, headers } = toDeadLetter(this.node, operator, error, input, attempts);
    const message = this.dlqSerde!.toMessage(new StreamRecord({ key: input.keyText, value, headers }));
    // If even the dead letter cannot be written the record must not be committed: fail the node.
    await retry({ maxAttempts: 5 })(() => this.write(message));
    this.counts.deadLettered++;
    this.emitter.emit('node.record_dead_lettered', { node: this.node, code: errorCode(error), message: errorMessage(error), operator, topic: input.topic, partition: input.partition, offset: input.offset, key: input.keyText ?? undefined });
  }

  punctuationFailed(error: unknown, rec: unknown, stage: string): void {
    const keyText = isStreamRecord(rec) ? keyToText(rec.key) : undefined;
    let value: Buffer | null = null;
    try {
      if (isStreamRecord(rec) && this.outputSerde) value = this.outputSerde.toMessage(rec).value;
    } catch {
      value = null;
    }
    void this.deadLetter(error, stage, { key: null, value, headers: isStreamRecord(rec) ? rec.headers : {}, keyText: keyText ?? null }).catch((e: unknown) => this.fail(e));
  }

  // ---------------------------------------------------------------- state

  private taskFor(partition: number): Task {
    let task = this.tasks.get(partition);
    if (!task) this.tasks.set(partition, (task = new Task(this, partition, this.stages)));
    return task;
  }

  /** The running task of a partition, for query views. */
  task(partition: number): Task | undefined {
    return this.tasks.get(partition);
  }

  taskPartitions(): number[] {
    return [...this.tasks.keys()];
  }

  private changelogTopic(store: StoreBuilder): AnyTopic {
    const partitions = this.def.plan.input.kind === 'topics' ? Math.max(...this.def.plan.input.topics.map((t) => t.partitions)) : 1;
    return declareTopic(changelogTopicName(this.topology, this.node, store.name), { key: store.changelogKey, value: store.changelogValue, partitions, compacted: true, maxMessageBytes: 32 << 20 });
  }

  async logChange(store: StoreBuilder, partition: number, key: unknown, value: unknown | null, timestamp: number): Promise<void> {
    const serde = this.changelogSerdes.get(store.name)!;
    const message = serde.toMessage(new StreamRecord({ key, value, timestamp }));
    await this.write({ ...message, partition });
  }

  /** A write the producer has taken; the next commit's checkpoint makes sure it is acknowledged. */
  private write(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => this.producer!.produce(message, (e) => (e ? reject(e) : resolve())));
  }

  async restore(store: StoreBuilder, partition: number, apply: (key: unknown, value: unknown | null) => void): Promise<number> {
    const serde = this.changelogSerdes.get(store.name)!;
    const topicName = serde.topic.name;
    const end = (await this.opts.transport.admin().endOffsets(topicName)).find((o) => o.partition === partition)?.offset ?? 0;
    if (end === 0) return 0;
    if (!this.opts.transport.reader) throw new Error(`transport ${this.opts.transport.kind} cannot read changelogs (no reader)`);
    const reader = await this.opts.transport.reader({ clientId: `${this.def.groupId}.restore` });
    let count = 0;
    try {
      await reader.assign([{ topic: topicName, partition, offset: 0 }]);
      let position = 0;
      while (position < end) {
        const batch = await reader.poll(1000, 500);
        for (const m of batch) {
          const rec = await serde.fromMessage(m);
          apply(rec.key, m.value === null ? null : rec.value);
          position = m.offset + 1;
          count++;
        }
      }
    } finally {
      await reader.close();
    }
    return count;
  }

  // ---------------------------------------------------------------- rebalancing and commits

  private async onAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.revoking.delete(tpKey(tp.topic, tp.partition));
    if (this.stages.some((s) => s.kind === 'processor')) {
      await settleAll([...new Set(partitions.map((p) => p.partition))].map((p) => this.taskFor(p).ready));
    }
    this.emitter.emit('node.partitions_assigned', { node: this.node, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
  }

  private async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const keys = partitions.map((p) => tpKey(p.topic, p.partition));
    const numbers = new Set(partitions.map((p) => p.partition));
    for (const k of keys) this.revoking.add(k);
    const finished = await withDeadline(this.limiter.whenDrained(keys), this.revokeTimeoutMs);
    const unfinished = keys.reduce((sum, k) => sum + this.limiter.countFor(k), 0);
    // Bounded like the drain: a coordinator that does not answer (away, or this member expired) must
    // not hold up the rebalance and every poll behind it. What is not committed is read again.
    const answered = await withDeadline(
      this.commit(keys).catch((e: unknown) => this.log(`${this.node}: commit on revoke failed: ${errorMessage(e)}`)),
      this.revokeTimeoutMs,
    );
    if (!answered) this.log(`${this.node}: commit on revoke got no answer in ${this.revokeTimeoutMs} ms; the revoked partitions are read again from their last commit`);
    for (const k of keys) {
      this.trackers.delete(k);
      this.committed.delete(k);
      this.paused.delete(k);
    }
    // A task belongs to a partition number; close it once no input topic of that number stays owned.
    const revoked = new Set(keys);
    const stillOwned = new Set((this.consumer?.assignment() ?? []).filter((tp) => !revoked.has(tpKey(tp.topic, tp.partition))).map((tp) => tp.partition));
    for (const n of numbers) {
      if (stillOwned.has(n)) continue;
      this.tasks.get(n)?.close();
      this.tasks.delete(n);
    }
    if (!finished) this.log(`${this.node}: ${unfinished} records of revoked partitions did not finish in ${this.revokeTimeoutMs} ms; their offsets were not committed`);
    this.emitter.emit('node.partitions_revoked', { node: this.node, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })), unfinished });
  }

  /**
   * Commits, per partition, the highest offset below which every record is complete. Serialised. A
   * full commit still waiting for its turn also serves later full-commit callers (it reads the
   * offsets when it starts; its failure is reported to the caller that queued it): while the
   * coordinator is slow to answer (45 s when it is away), one commit per tick would otherwise pile
   * up in front of the one a revocation needs.
   */
  private commit(only?: readonly string[]): Promise<void> {
    if (!only && this.commitWaiting) return this.commitWaiting.catch(() => undefined);
    const run = async () => {
      if (!only) this.commitWaiting = undefined;
      // A rejoin reads everything since the last commit again; a failed node commits nothing more.
      if (!this.consumer || this.rejoining || this.state === 'failed') return;
      const offsets: TopicPartitionOffset[] = [];
      for (const [key, tracker] of this.trackers) {
        if (only && !only.includes(key)) continue;
        const offset = tracker.committable();
        if (offset === undefined || offset <= (this.committed.get(key) ?? -1)) continue;
        const i = key.lastIndexOf(':');
        offsets.push({ topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset });
      }
      if (offsets.length === 0) return;
      // The offsets were read first: every output of a record counted complete was taken by the
      // producer before this checkpoint, which returns once those are acknowledged.
      await this.checkpoint();
      await this.consumer.commit(offsets);
      for (const o of offsets) this.committed.set(tpKey(o.topic, o.partition), o.offset);
      this.emitter.emit('node.committed', { node: this.node, offsets });
    };
    const next = this.commitChain.then(run, run);
    this.commitChain = next.catch(() => undefined);
    if (!only) this.commitWaiting = next;
    return next;
  }

  /**
   * Waits until the producer's writes so far are acknowledged. A timeout loses nothing (the next
   * commit tries again); lost writes make the node read again from its last commit, or, when sending
   * again cannot help (a record the topic refuses), stop it.
   */
  private async checkpoint(): Promise<void> {
    try {
      await this.producer?.checkpoint?.();
    } catch (e) {
      if (e instanceof TimeoutError) throw e;
      if (isVisionFlowError(e) && !e.retriable) {
        this.fail(new VisionFlowError(
          `node "${this.node}": a write taken since the last commit was refused (${errorMessage(e)}), and sending it again cannot help; the node stops without committing, and reads those records again when it starts`,
          { code: e.code, retriable: false, cause: e },
        ));
      } else {
        this.rejoin(e);
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private async prepareSerdes(): Promise<void> {
    const { registry } = this.opts;
    for (const t of this.inputTopics()) {
      const serde = new TopicSerde(t, registry);
      for (const side of [serde.key, serde.value]) {
        const latest = (await registry.versions(side.subject)).at(-1);
        const problems = latest ? readProblems(side.json, latest.schema) : [];
        if (problems.length > 0) throw new SchemaIncompatibleError(side.subject, problems, 'reader');
      }
      this.inputSerdes.set(t.name, serde);
    }
    if (this.def.plan.output) {
      this.outputSerde = new TopicSerde(this.def.plan.output, registry);
      await this.outputSerde.register();
    }
    this.dlqSerde = new TopicSerde(deadLetterTopic(this.def.deadLetterTopic), registry);
    await this.dlqSerde.register();
    for (const store of this.def.stores) {
      if (!store.logged) continue;
      const serde = new TopicSerde(this.changelogTopic(store), registry);
      await serde.register();
      this.changelogSerdes.set(store.name, serde);
    }
  }

  private async close(reason: string): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.state = 'stopping';
    if (this.commitTimer) clearInterval(this.commitTimer);
    await this.commit().catch((e: unknown) => this.log(`${this.node}: final commit failed: ${errorMessage(e)}`));
    for (const t of this.tasks.values()) t.close();
    this.tasks.clear();
    await this.closeClients(10_000);
    this.state = 'stopped';
    this.emitter.emit('node.stopped', { node: this.node, reason });
    this.finish();
  }

  /** A failure the node cannot go past without losing data: stop at once, commit nothing more. */
  private fail(error: unknown): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.fatal = error;
    this.state = 'failed';
    this.abort.abort();
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.emitter.emit('node.failed', { node: this.node, code: errorCode(error), message: errorMessage(error) });
    void (async () => {
      for (const t of this.tasks.values()) t.close();
      await this.closeClients();
      this.finish(this.fatal);
    })();
  }

  /**
   * Closes the consumer (leaving the group), the producer (after up to `flushMs` for what it holds)
   * and the reader. A client that fails to close is said, not hidden: one librdkafka still holds
   * keeps the process from exiting.
   */
  private async closeClients(flushMs?: number): Promise<void> {
    const said = (what: string) => (e: unknown) => this.log(`${this.node}: closing the ${what} failed: ${errorMessage(e)}`);
    await this.consumer?.close().catch(said('consumer'));
    if (flushMs !== undefined) await this.producer?.flush(flushMs).catch(() => undefined); // close() flushes again, for longer
    await this.producer?.close().catch(said('producer'));
    await this.reader?.close().catch(said('reader'));
  }
}

function failedInputOf(m: IncomingMessage): FailedInput {
  return { topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, keyText: null };
}

function keyToText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return JSON.stringify(key);
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? `a plain ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`;
}

function asVisionFlowError(e: unknown): VisionFlowError {
  return isVisionFlowError(e) ? e : new VisionFlowError(errorMessage(e), { code: errorCode(e), retriable: false, cause: e });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true if `p` settled within `ms`, false otherwise (p keeps running). */
async function withDeadline(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
