import { runOperatorStage, type Stage } from '../pipeline.js';
import type { Cause, Done, RecordOutput } from './record-output.js';
import type { Task } from './task.js';

/**
 * Runs a record through a node's stages and on to its output (Kafka Streams' processor nodes and
 * their children). Callbacks rather than promises: a record through synchronous operators costs
 * no promise at all, which is most of a pass-through node's work.
 */
export class StageChain {
  constructor(
    readonly stages: readonly Stage[],
    private readonly output: RecordOutput,
  ) {}

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

  /** `continueAt` as a promise: resolves once everything the record caused is durable. */
  runFrom(rec: unknown, from: number, task: Task, cause?: Cause): Promise<void> {
    return new Promise((resolve, reject) => this.continueAt(rec, from, task, cause, (e) => (e === undefined ? resolve() : reject(e))));
  }
}
