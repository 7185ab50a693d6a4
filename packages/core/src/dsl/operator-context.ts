import { defer, finalize, type OperatorFunction } from 'rxjs';
import { named, operatorName } from './named.js';
import type { JsonValue } from '../types.js';
import { RunResources } from './run-resources.js';

/** Topology parameters of a run (`--set name=value`, `--images dir`). */
export type Params = Readonly<{ [name: string]: JsonValue | undefined }>;

/**
 * What a running node hands its operators, processors and sources: the run's parameters and
 * folders, passed explicitly rather than through a global or the process environment, so two
 * topologies (or two tests) in one process never see each other's settings.
 */
export interface OperatorContext {
  readonly topology: string;
  readonly node: string;
  readonly params: Params;
  /** Folder model files are read from (the CLI's `--models` or VF_MODEL_DIR); undefined when the run names none. */
  readonly modelDir: string | undefined;
  /** What the run's operators share (an inference pool), closed when the run stops. */
  readonly resources: RunResources;
  log(message: string): void;
  /** Reports what an operator measured (a model's inference time); a node turns it into an instrumentation event and a metric. Absent outside a node. */
  readonly report?: ((measure: OperatorMeasure) => void) | undefined;
}

/** A measurement an operator reports through its context. */
export interface OperatorMeasure {
  readonly kind: 'inference';
  readonly operator: string;
  readonly model: string;
  readonly durationMs: number;
}

const BUILD = Symbol.for('vision-flow.operator-build');

type ContextualOperator<A, B> = OperatorFunction<A, B> & { readonly [BUILD]: (ctx: OperatorContext) => OperatorFunction<A, B> };

/**
 * An operator that needs the run's context (a parameter, the model folder). A node builds it once,
 * when it starts, with its own context. Used as plain RxJS (marble tests, scripts) it is built per
 * subscription with `localContext()` (resources it made are closed when the subscription ends).
 *
 * When to use: an operator option that may be a `param(...)`, or a resource found through the run.
 *
 * @example
 * export const toFolder = (dir: ParamOr<string>) => withContext('toFolder', (ctx) => {
 *   const target = resolveParam(dir, ctx.params, 'toFolder "dir"');
 *   return tap((r) => writeFileSync(join(target, `${r.key}.json`), JSON.stringify(r.value)));
 * });
 * @see localContext
 */
export function withContext<A, B>(name: string, build: (ctx: OperatorContext) => OperatorFunction<A, B>): OperatorFunction<A, B> {
  // Used as plain RxJS, each subscription has a context of its own, whose resources it closes when it ends.
  const op: OperatorFunction<A, B> = (source) =>
    defer(() => {
      const ctx = localContext();
      return build(ctx)(source).pipe(finalize(() => void ctx.resources.close().catch(() => undefined)));
    });
  return Object.assign(named(name, op), { [BUILD]: build });
}

/** The operator a node runs for `op`: built with the node's context when `op` needs one. */
export function buildOperator(op: OperatorFunction<never, unknown>, index: number, ctx: OperatorContext): OperatorFunction<never, unknown> {
  const build = (op as Partial<ContextualOperator<never, unknown>>)[BUILD];
  if (!build) return op;
  const built = build(ctx);
  // The built operator keeps the name of the one declared (describe() and dead letters show that).
  return operatorName(built, index) === operatorName(op, index) ? built : named(operatorName(op, index), built);
}

/**
 * The context of operators used outside a node: no parameters, no model folder, logs to stderr,
 * resources of their own (whoever builds the operator closes them, or they end with the process).
 */
export function localContext(overrides: Partial<OperatorContext> = {}): OperatorContext {
  return { topology: 'local', node: 'local', params: {}, modelDir: undefined, resources: new RunResources(), log: (m) => process.stderr.write(`${m}\n`), ...overrides };
}
