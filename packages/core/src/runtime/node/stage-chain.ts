import { runOperatorStage, tagFailedOperator, type ProcessorStage, type Stage } from '../pipeline.js';
import type { Cause, Done, RecordOutput } from './record-output.js';
import { settleAll } from '../settle.js';
import type { Processed, Task } from './task.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';

/**
 * Runs a record through a node's stages and on to its output (Kafka Streams' processor nodes and
 * their children). Callbacks rather than promises: a record through synchronous operators costs
 * no promise at all, which is most of a pass-through node's work.
 */
export class StageChain {
  /** Each stage's label in `node.stage_completed`: its operators' names, or the processor's. */
  private readonly labels: readonly string[];

  constructor(
    readonly stages: readonly Stage[],
    private readonly output: RecordOutput,
    private readonly node: string,
    private readonly emitter: InstrumentationEmitter,
  ) {
    this.labels = stages.map((s) => (s.kind === 'processor' ? s.name : s.names.join('+')));
  }

  get hasState(): boolean {
    return this.stages.some((s) => s.kind === 'processor');
  }

  /**
   * Runs `rec` from stage `from` to the output and calls `done` once everything it caused is
   * acknowledged, or with the stage's error (else the first output's) once every output settled.
   */
  continueAt(rec: unknown, from: number, task: Task, cause: Cause | undefined, done: Done): void {
    const stage = this.stages[from];
    if (!stage) return this.output.send(rec, cause, done);
    if (stage.kind === 'processor') return this.throughProcessor(rec, from, task, cause, done);
    let open = 1; // the stage itself, plus one per output still being written
    let stageError: unknown;
    let outputError: unknown;
    const settle = () => {
      if (--open === 0) done(stageError ?? outputError);
    };
    const started = this.emitter.wants('node.stage_completed') ? performance.now() : undefined;
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
        if (started !== undefined) this.stageCompleted(from, started, e !== undefined);
        settle();
      },
    );
  }

  /**
   * A processor stage: the task runs the record through its processor instance, then what it
   * forwarded continues from the next stage. Done once those outputs and the store writes settled.
   * Outputs of a processor carry no input's provenance: they may stand for many inputs.
   */
  private throughProcessor(rec: unknown, from: number, task: Task, cause: Cause | undefined, done: Done): void {
    if (!task.isReady) {
      task.ready.then(() => this.throughProcessor(rec, from, task, cause, done), (e: unknown) => done(e ?? new Error('a task failed to start')));
      return;
    }
    let processed: Processed;
    const started = this.emitter.wants('node.stage_completed') ? performance.now() : undefined;
    try {
      processed = task.process(from, rec, cause?.streamTime);
      if (started !== undefined) this.stageCompleted(from, started, false);
    } catch (e) {
      if (started !== undefined) this.stageCompleted(from, started, true);
      // The dead letter names the processor, as it names a failed operator.
      return done(tagFailedOperator(e ?? new Error('a processor failed with undefined'), (this.stages[from] as ProcessorStage).name));
    }
    const { forwarded, writes } = processed;
    const inner: Cause | undefined = cause?.streamTime === undefined ? undefined : { origin: undefined, traceId: undefined, traceparent: undefined, streamTime: cause.streamTime };
    let open = 1 + forwarded.length;
    let error: unknown;
    const settle = (e?: unknown) => {
      if (e !== undefined) error ??= e;
      if (--open === 0) done(error);
    };
    for (const out of forwarded) {
      this.continueAt(out.rec, from + 1, task, inner, (e) => {
        out.settle(e);
        settle(e);
      });
    }
    if (writes.length === 0) settle();
    else settleAll(writes).then(() => settle(), settle);
  }

  private stageCompleted(from: number, started: number, failed: boolean): void {
    this.emitter.emit('node.stage_completed', { node: this.node, stage: this.labels[from]!, durationMs: performance.now() - started, failed });
  }

  /** `continueAt` as a promise: resolves once everything the record caused is durable. */
  runFrom(rec: unknown, from: number, task: Task, cause?: Cause): Promise<void> {
    return new Promise((resolve, reject) => this.continueAt(rec, from, task, cause, (e) => (e === undefined ? resolve() : reject(e))));
  }
}
