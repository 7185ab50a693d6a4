import type { SchedulerLike } from 'rxjs';
import type { OperatorContext } from '../../dsl/operator-context.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import type { Processor, ProcessorContext } from '../../processor/processor.js';
import { PunctuationSchedule } from '../../processor/punctuation-schedule.js';
import { storeOrThrow } from '../../processor/stateful.js';
import type { StateStore } from '../../state/state-store.js';
import type { ProcessorStage, Stage } from '../pipeline.js';
import type { Changelog } from './changelog.js';
import { StoreCheckpointer } from './store-checkpointer.js';
import { storeDirectory } from './store-directory.js';
import { restoreStore } from './store-restore.js';
import { StreamTime, type InputPosition } from './stream-time.js';
import { settleAll } from '../settle.js';

/** What a task is given by its node. */
export interface TaskDeps {
  readonly context: OperatorContext;
  readonly emitter: InstrumentationEmitter;
  readonly stages: readonly Stage[];
  /** Continues a record a processor forwarded at stage `from`; resolves once everything it caused is durable. */
  readonly downstream: (rec: unknown, from: number, task: Task) => Promise<void>;
  readonly changelog: Changelog;
  /** Drives wall-clock punctuation; a test driver passes a virtual-time scheduler. */
  readonly scheduler: SchedulerLike | undefined;
  /** An output forwarded by a punctuator failed downstream; there is no input to blame. */
  readonly punctuationFailed: (error: unknown, rec: unknown, stage: string) => void;
  /** Where persistent stores keep their folders; default DEFAULT_STATE_DIR under the working directory. */
  readonly stateDir?: string | undefined;
  readonly log?: (message: string) => void;
  /** The node commits input offsets and flushes its tasks before each commit (it reads topics): stores may hold writes until then. */
  readonly flushedBeforeCommit?: boolean;
  /**
   * Resolves once every write the producer has taken so far is acknowledged (TransportProducer's
   * `durable`); absent where a write taken is a write acknowledged.
   */
  readonly durable?: (() => Promise<void>) | undefined;
}

/** A record a processor forwarded while processing an input; `settle` settles the promise `forward` returned. */
export interface Forwarded {
  readonly rec: unknown;
  settle(error?: unknown): void;
}

/** What processing one input caused: the records forwarded, for the stage chain to continue, and the store writes. */
export interface Processed {
  readonly forwarded: Forwarded[];
  readonly writes: Promise<void>[];
}

/**
 * A task is one input partition of a node (Kafka Streams' StreamTask): it owns one instance of
 * each stateful processor with its stores, restored from the changelog partition of the same
 * number, and the clocks that drive punctuation.
 */
export class Task {
  private readonly processors = new Map<number, Processor<unknown, unknown>>();
  private readonly stores = new Map<string, StateStore>();
  private readonly clock: PunctuationSchedule;
  private readonly time = new StreamTime();
  /** The stream time at the place of the input being processed (see StreamTime). */
  private inputTime: number | undefined;
  /** Set while a processor processes an input: what it forwards and writes is that input's. */
  private scope: Processed | undefined;
  private readonly background = new Set<Promise<void>>();
  private readonly checkpointer: StoreCheckpointer;
  private unsubscribe: (() => void) | undefined;
  readonly ready: Promise<void>;
  /** True once `ready` has resolved: the hot path then goes on without awaiting it. */
  isReady = false;

  private readonly stages: readonly Stage[];

  constructor(
    private readonly deps: TaskDeps,
    readonly partition: number,
  ) {
    this.stages = deps.stages;
    this.clock = new PunctuationSchedule(deps.scheduler);
    this.checkpointer = new StoreCheckpointer(deps.changelog, partition, deps.log ?? ((m) => process.stderr.write(`${m}\n`)));
    this.ready = this.init();
    this.ready.then(() => (this.isReady = true), () => undefined);
  }

  get hasState(): boolean {
    return this.stages.some((s) => s.kind === 'processor');
  }

  store(name: string): StateStore | undefined {
    return this.stores.get(name);
  }

  private async init(): Promise<void> {
    for (const [index, stage] of this.stages.entries()) {
      if (stage.kind !== 'processor') continue;
      const own = new Map<string, StateStore>();
      for (const builder of stage.supplier.stores) {
        const store = builder.build();
        const { topology, node } = this.deps.context;
        store.init({
          topology,
          node,
          partition: this.partition,
          changelogTopic: '',
          directory: storeDirectory(this.deps.stateDir, topology, node, builder.name, this.partition),
          flushedBeforeCommit: this.deps.flushedBeforeCommit ?? false,
          log: (key, value, ts) => this.track(this.deps.changelog.log(builder, this.partition, key, value, ts)),
        });
        if (builder.logged) await restoreStore({ node, partition: this.partition, changelog: this.deps.changelog, emitter: this.deps.emitter }, builder, store);
        if (store.checkpoint) this.checkpointer.add(builder, store.checkpoint);
        own.set(builder.name, store);
        this.stores.set(builder.name, store);
      }
      const processor = stage.supplier.get();
      processor.init(this.contextFor(index, stage, own));
      this.processors.set(index, processor);
    }
    // Persistent stores go to disk behind the node's commits (see StoreCheckpointer).
    const node = this.deps.context.node;
    if (this.checkpointer.active) this.unsubscribe = this.deps.emitter.on('node.committed', (e) => e.payload.node === node && this.checkpointer.committed());
  }

  private contextFor(index: number, stage: ProcessorStage, stores: ReadonlyMap<string, StateStore>): ProcessorContext<unknown> {
    return {
      ...this.deps.context,
      partition: this.partition,
      forward: (rec) => {
        if (this.scope) return forwardedIn(this.scope, rec);
        // Forwarded by a punctuator or at the end of input: no input to settle, so it is tracked here.
        const p = this.deps.downstream(rec, index + 1, this);
        this.track(p.catch((e: unknown) => this.deps.punctuationFailed(e, rec, stage.name)));
        return p;
      },
      durable: () => this.deps.durable?.() ?? Promise.resolve(),
      getStateStore: <S extends StateStore>(name: string) => storeOrThrow(stores, name, stage.name) as S,
      schedule: (ms, type, cb) => this.clock.schedule(ms, type, (t) => this.punctuate(stage.name, () => cb(t))),
      streamTime: () => this.inputTime ?? this.clock.streamTime(),
      wallClockTime: () => this.clock.wallClockTime(),
      recordDropped: (reason) => this.deps.emitter.emit('node.record_dropped', { node: this.deps.context.node, reason }),
    };
  }

  /**
   * Runs the record through the processor at `index`, synchronously (once `ready`). Returns what
   * it forwarded, which the stage chain takes on, and the store writes it caused.
   */
  process(index: number, rec: unknown, streamTime: number | undefined): Processed {
    const processor = this.processors.get(index);
    if (!processor) throw new Error(`no processor at stage ${index}`);
    const scope: Processed = { forwarded: [], writes: [] };
    this.scope = scope;
    this.inputTime = streamTime;
    try {
      processor.process(rec);
    } finally {
      this.scope = undefined;
      this.inputTime = undefined;
    }
    return scope;
  }

  /** An input of this task was read: its place in stream time (see StreamTime). */
  admit(timestamp: number): InputPosition {
    return this.time.admit(timestamp);
  }

  /** An admitted input is done: the task's clock moves on once every input before it is done too. */
  completed(position: InputPosition): void {
    const moved = this.time.complete(position);
    if (moved !== undefined) this.clock.advance(moved);
  }

  /** A bounded input ended: processors emit what is final now; resolves when that is durable. */
  async endOfInput(): Promise<void> {
    await this.ready;
    for (const p of this.processors.values()) p.endOfInput?.();
    await this.idle();
  }

  /** Processors emit what they hold back (record caches), stores log what they hold; resolves once the producer has it all. */
  async flush(): Promise<void> {
    if (!this.isReady) return; // nothing processed yet, so nothing held
    for (const p of this.processors.values()) p.flush?.();
    const stores = [...this.stores.values()].map((s) => s.flush());
    await settleAll(stores);
    await this.idle();
  }

  /** Resolves when no punctuation output or background changelog write is pending. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await settleAll([...this.background]).catch(() => undefined);
  }

  get pendingBackground(): number {
    return this.background.size;
  }

  close(): void {
    this.unsubscribe?.();
    this.checkpointer.close();
    this.clock.close();
    for (const p of this.processors.values()) p.close();
    for (const s of this.stores.values()) s.close();
    this.processors.clear();
    this.stores.clear();
  }

  private punctuate(name: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps.punctuationFailed(e, undefined, name);
    }
  }

  private track(p: Promise<void>): void {
    if (this.scope) {
      this.scope.writes.push(p);
      p.catch(() => undefined);
      return;
    }
    const guarded = p.catch(() => undefined);
    this.background.add(guarded);
    void guarded.then(() => this.background.delete(guarded));
  }
}

function forwardedIn(scope: Processed, rec: unknown): Promise<void> {
  let settle!: (error?: unknown) => void;
  const p = new Promise<void>((resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e))));
  p.catch(() => undefined); // the chain reports the error; a processor need not await its forward
  scope.forwarded.push({ rec, settle });
  return p;
}
