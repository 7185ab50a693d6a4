import { map, mergeMap, of, timer, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { localContext } from '../dsl/operator-context.js';
import { compileStages, failedOperator, runOperatorStage, type OperatorStage } from './pipeline.js';

/** Runs one value through a compiled stage; resolves with its outputs and its error. */
function run(ops: OperatorFunction<never, unknown>[], value: unknown): Promise<{ out: unknown[]; error: unknown }> {
  const [stage] = compileStages(ops, localContext()) as OperatorStage[];
  const out: unknown[] = [];
  return new Promise((resolve) => runOperatorStage(stage!, value, (v) => out.push(v), (error) => resolve({ out, error })));
}

const failOn = (bad: number) => map((n: number) => {
  if (n === bad) throw new Error(`bad ${n}`);
  return n;
});

describe('runOperatorStage', () => {
  it('passes a record through one operator, synchronously for a synchronous one', async () => {
    const [stage] = compileStages([map((n: number) => n * 2) as OperatorFunction<never, unknown>], localContext()) as OperatorStage[];
    const out: unknown[] = [];
    let finished = false;
    runOperatorStage(stage!, 21, (v) => out.push(v), () => (finished = true));
    expect({ out, finished }).toEqual({ out: [42], finished: true });
  });

  it('names the operator that failed when it is the only one in its stage', async () => {
    const { error } = await run([named('checkSize', failOn(3)) as OperatorFunction<never, unknown>], 3);
    expect(String(error)).toBe('Error: bad 3');
    expect(failedOperator(error)).toBe('checkSize');
  });

  it('names the failing operator among several, also when it fails later', async () => {
    const ops = [
      named('first', failOn(1)),
      named('later', mergeMap((n: number) => timer(5).pipe(map(() => n)))),
      named('second', failOn(2)),
    ] as OperatorFunction<never, unknown>[];
    expect(failedOperator((await run(ops, 1)).error)).toBe('first');
    expect(failedOperator((await run(ops, 2)).error)).toBe('second');
    expect(await run(ops, 5)).toEqual({ out: [5], error: undefined });
  });

  it('turns a throw of a non-error into an Error that still names its operator', async () => {
    const { error } = await run([named('throwsString', mergeMap(() => { throw 'nope'; })) as OperatorFunction<never, unknown>], 1);
    expect(error).toBeInstanceOf(Error);
    expect(failedOperator(error)).toBe('throwsString');
  });

  it('finishes with no output for a filtered record and with several for a fan-out', async () => {
    expect(await run([mergeMap(() => of()) as OperatorFunction<never, unknown>], 1)).toEqual({ out: [], error: undefined });
    expect(await run([mergeMap((n: number) => of(n, n + 1)) as OperatorFunction<never, unknown>], 1)).toEqual({ out: [1, 2], error: undefined });
  });
});
