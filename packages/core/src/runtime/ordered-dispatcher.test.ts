import { describe, expect, it } from 'vitest';
import { OrderedDispatcher, type Job } from './ordered-dispatcher.js';

/** A job that logs its start and hands back its `done`, to finish it when the test says. */
function recorder() {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  const job = (name: string): Job => (done) => {
    started.push(name);
    pending.set(name, done);
  };
  const finish = (name: string) => {
    const done = pending.get(name);
    if (!done) throw new Error(`${name} is not running`);
    pending.delete(name);
    done();
  };
  return { started, job, finish };
}

describe('OrderedDispatcher', () => {
  it('runs jobs of one key one after another and other keys in parallel (ordering key)', () => {
    const d = new OrderedDispatcher('key');
    const r = recorder();
    d.dispatch('p0', 'a', r.job('a1'));
    d.dispatch('p0', 'a', r.job('a2'));
    d.dispatch('p0', 'b', r.job('b1'));
    d.dispatch('p1', 'a', r.job('a-other-partition'));
    expect(r.started).toEqual(['a1', 'b1', 'a-other-partition']);
    r.finish('a1');
    expect(r.started).toEqual(['a1', 'b1', 'a-other-partition', 'a2']);
  });

  it('runs one job at a time per partition (ordering partition)', () => {
    const d = new OrderedDispatcher('partition');
    const r = recorder();
    d.dispatch('p0', 'a', r.job('1'));
    d.dispatch('p0', 'b', r.job('2'));
    d.dispatch('p1', 'c', r.job('3'));
    expect(r.started).toEqual(['1', '3']);
    r.finish('1');
    expect(r.started).toEqual(['1', '3', '2']);
  });

  it('starts every job at once when unordered', () => {
    const d = new OrderedDispatcher('unordered');
    const r = recorder();
    for (const n of ['1', '2', '3']) d.dispatch('p0', 'a', r.job(n));
    expect(r.started).toEqual(['1', '2', '3']);
  });

  it('runs 100,000 queued jobs that finish inside their call without growing the stack', () => {
    const d = new OrderedDispatcher('key');
    const r = recorder();
    d.dispatch('p', 'a', r.job('first'));
    const order: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      d.dispatch('p', 'a', (done) => {
        order.push(i);
        done();
      });
    }
    expect(order).toEqual([]);
    r.finish('first'); // would overflow the stack if each done() ran the next job recursively
    expect(order).toHaveLength(100_000);
    expect(order[99_999]).toBe(99_999);
    // The lane is free again: a new job starts at once.
    d.dispatch('p', 'a', r.job('after'));
    expect(r.started.at(-1)).toBe('after');
  });
  it('names a lane only when a job could wait for it: not for jobs that finish inside their call', () => {
    const d = new OrderedDispatcher('key');
    const named: string[] = [];
    const lane = (k: string) => () => {
      named.push(k);
      return k;
    };
    for (const k of ['a', 'b', 'a']) d.dispatch('p', lane(k), (done) => done());
    expect(named).toEqual([]);
    const r = recorder();
    d.dispatch('p', lane('a'), r.job('a1')); // outlives its call: its lane is entered as busy
    d.dispatch('p', lane('a'), r.job('a2'));
    d.dispatch('p', lane('b'), r.job('b1'));
    expect(named).toEqual(['a', 'a', 'b']);
    expect(r.started).toEqual(['a1', 'b1']);
    r.finish('a1');
    expect(r.started).toEqual(['a1', 'b1', 'a2']);
  });

  it('makes a job dispatched from inside a running job wait for it when they share a lane', () => {
    const d = new OrderedDispatcher('key');
    const r = recorder();
    d.dispatch('p', () => 'a', (done) => {
      r.started.push('outer');
      d.dispatch('p', () => 'a', r.job('inner-same-lane'));
      d.dispatch('p', () => 'b', r.job('inner-other-lane'));
      expect(r.started).toEqual(['outer', 'inner-other-lane']);
      done();
    });
    expect(r.started).toEqual(['outer', 'inner-other-lane', 'inner-same-lane']);
    r.finish('inner-same-lane');
    d.dispatch('p', () => 'a', r.job('after'));
    expect(r.started.at(-1)).toBe('after');
  });
});
