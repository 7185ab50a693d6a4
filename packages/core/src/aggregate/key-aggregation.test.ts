import { describe, expect, it } from 'vitest';
import { avro } from '../serde/avro/schema.js';
import { aggregate } from './aggregate.js';
import { count } from './count.js';
import { reduce } from './reduce.js';
import { TestHarness } from './test-harness.test-setup.js';

describe('per-key aggregations', () => {
  it('count emits each key\'s new count with the highest timestamp so far', () => {
    const h = new TestHarness(count({ name: 'counts', key: avro.string() }));
    h.pipe('cam-1', 'a', 10).pipe('cam-2', 'b', 12).pipe('cam-1', 'c', 5).pipe('cam-1', 'd', 20);
    expect(h.read()).toEqual([['cam-1', 1, 10], ['cam-2', 1, 12], ['cam-1', 2, 10], ['cam-1', 3, 20]]);
  });

  it('reduce starts from the first value and combines the rest', () => {
    const h = new TestHarness(reduce<string, number>((a, b) => Math.max(a, b), { name: 'max', key: avro.string(), value: avro.long() }));
    h.pipe('k', 3, 1).pipe('k', 7, 2).pipe('k', 5, 3);
    expect(h.read().map(([, v]) => v)).toEqual([3, 7, 7]);
  });

  it('aggregate folds values into another type, starting each key from init()', () => {
    const Avg = avro.record('t.Avg', { n: avro.long(), sum: avro.double() });
    const h = new TestHarness(aggregate(() => ({ n: 0, sum: 0 }), (a, v: number) => ({ n: a.n + 1, sum: a.sum + v }), { name: 'avg', key: avro.string(), value: Avg }));
    h.pipe('a', 2, 1).pipe('b', 10, 1).pipe('a', 4, 2);
    expect(h.read().map(([k, v]) => [k, v])).toEqual([['a', { n: 1, sum: 2 }], ['b', { n: 1, sum: 10 }], ['a', { n: 2, sum: 6 }]]);
  });

  it('continues from the state restored from its changelog', () => {
    const op = count({ name: 'counts', key: avro.string() });
    const first = new TestHarness(op).pipe('k', 'x', 1).pipe('k', 'y', 2);
    const second = new TestHarness(op, first).pipe('k', 'z', 3);
    expect(second.read()).toEqual([['k', 3, 3]]);
  });

  it('drops and counts records with a null key', () => {
    const h = new TestHarness(count({ name: 'counts', key: avro.string() })).pipe(null, 'x', 1);
    expect(h.read()).toEqual([]);
    expect(h.dropped.map((d) => d.reason)).toEqual(['null-key-or-value']);
  });

  it('refuses a name that cannot name a store', () => {
    expect(() => count({ name: 'a b', key: avro.string() })).toThrow(/name must be a store name/);
  });
});
