import type { OperatorFunction } from 'rxjs';

const NAME = Symbol.for('vision-flow.operator-name');

type Named = { [NAME]?: string };

/**
 * Gives an operator the name that `describe()`, metrics and dead-letter headers show. RxJS
 * operators are anonymous functions, so vision-flow's own operators name themselves this way.
 *
 * @example
 * export const decodeImage = (opts) => named('decodeImage', (source) => source.pipe(mergeMap(...)));
 */
export function named<A, B>(name: string, op: OperatorFunction<A, B>): OperatorFunction<A, B> {
  (op as Named)[NAME] = name;
  return op;
}

/** The operator's given name, else its function name, else `operator#<index>`. */
export function operatorName(op: OperatorFunction<never, unknown>, index: number): string {
  const given = (op as Named)[NAME];
  if (given) return given;
  return op.name && op.name !== 'anonymous' ? op.name : `operator#${index + 1}`;
}
