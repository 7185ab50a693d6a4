import { catchError, Observable, pipe, Subscriber, throwError, type OperatorFunction, type UnaryFunction } from 'rxjs';
import { operatorName } from '../dsl/named.js';
import { buildOperator, type OperatorContext } from '../dsl/operator-context.js';
import { processorSupplierOf } from '../processor/stateful.js';
import type { ProcessorSupplier } from '../processor/processor.js';

type AnyOperator = OperatorFunction<unknown, unknown>;

/** A run of plain RxJS operators, applied to each record as its own little stream. */
export interface OperatorStage {
  readonly kind: 'operators';
  readonly names: readonly string[];
  readonly apply: UnaryFunction<Observable<unknown>, Observable<unknown>>;
}

/** A stateful processor: one instance per task, with its stores. */
export interface ProcessorStage {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown>;
}

export type Stage = OperatorStage | ProcessorStage;

const origin = new WeakMap<object, string>();

/** The name of the operator an error came from, if it passed through a tagged operator. */
export function failedOperator(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? origin.get(error) : undefined;
}

export function tagFailedOperator(error: unknown, name: string): unknown {
  const e = typeof error === 'object' && error !== null ? error : new Error(String(error));
  if (!origin.has(e)) origin.set(e, name);
  return e;
}

/**
 * Splits a node's operators at its stateful processors, building those that need the node's
 * context. Each plain operator is wrapped so an
 * error remembers which operator raised it first (for dead-letter headers).
 */
export function compileStages(declared: readonly OperatorFunction<never, unknown>[], ctx: OperatorContext): Stage[] {
  const stages: Stage[] = [];
  let run: Array<{ op: AnyOperator; name: string }> = [];
  const flush = () => {
    if (run.length === 0) return;
    const names = run.map((r) => r.name);
    if (run.length === 1) {
      // A lone operator's errors can only be its own (runOperatorStage tags them): no wrapper, which
      // would cost every record another Observable and Subscriber.
      stages.push({ kind: 'operators', names, apply: run[0]!.op });
    } else {
      const wrapped = run.map(({ op, name }) => (source: Observable<unknown>) => op(source).pipe(catchError((e: unknown) => throwError(() => tagFailedOperator(e, name)))));
      stages.push({ kind: 'operators', names, apply: (pipe as (...f: AnyOperator[]) => AnyOperator)(...wrapped) });
    }
    run = [];
  };
  declared.forEach((declaredOp, i) => {
    const op = buildOperator(declaredOp, i, ctx);
    const name = operatorName(op, i);
    const supplier = processorSupplierOf(op);
    if (supplier) {
      flush();
      stages.push({ kind: 'processor', name, supplier });
    } else {
      run.push({ op: op as AnyOperator, name });
    }
  });
  flush();
  return stages;
}

/**
 * Runs one record through an operator stage as its own little stream: calls `emit` for each
 * output and `done` once, when the stream completes or fails. Synchronous operators (map, filter)
 * finish inside the call, without a promise.
 */
export function runOperatorStage(stage: OperatorStage, rec: unknown, emit: (out: unknown) => void, done: (error?: unknown) => void): void {
  const run = new StageRun(stage, emit, done);
  try {
    stage.apply(new Observable<unknown>((s) => {
      s.next(rec);
      s.complete();
    })).subscribe(run);
  } catch (e) {
    run.finish(tagFailedOperator(e, stage.names[0] ?? 'pipe'));
  }
}

/**
 * One record's subscription to its stage. A Subscriber itself, so RxJS wraps no SafeSubscriber,
 * observer and callbacks around it: this is made for every record of every operator stage.
 */
class StageRun extends Subscriber<unknown> {
  private finished = false;

  constructor(
    private readonly stage: OperatorStage,
    private readonly emit: (out: unknown) => void,
    private readonly done: (error?: unknown) => void,
  ) {
    super();
  }

  finish(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.done(error);
  }

  protected override _next(out: unknown): void {
    try {
      this.emit(out);
    } catch (e) {
      // Not the operator's error: thrown where nothing would catch it, as RxJS does for an observer's.
      setTimeout(() => {
        throw e;
      });
    }
  }

  protected override _error(e: unknown): void {
    const { names } = this.stage;
    const error = e ?? new Error('an operator failed with undefined');
    try {
      this.finish(names.length === 1 ? tagFailedOperator(error, names[0]!) : error);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.finish();
    } finally {
      this.unsubscribe();
    }
  }
}
