import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { awaitLoadTurn, loadTurnDone, LoadTurns } from './load-turns.js';

describe('LoadTurns', () => {
  it('lets the first `atOnce` workers load at once, and each later one after one more has loaded', () => {
    const turns = new LoadTurns(1);
    expect([turns.next(), turns.next(), turns.next()].map((t) => t.after)).toEqual([0, 1, 2]);
    const wider = new LoadTurns(3);
    expect([1, 2, 3, 4, 5].map(() => wider.next().after)).toEqual([0, 0, 0, 1, 2]);
  });

  it('holds a worker until an earlier one has loaded, in another thread', async () => {
    const turns = new LoadTurns(1, 10_000);
    const first = turns.next();
    const second = turns.next();
    expect(awaitLoadTurnReturns(first)).toBe(true); // its turn at once
    // Another thread finishes loading 150 ms from now and notes when, just before it says so.
    const signalledAt = new Float64Array(new SharedArrayBuffer(8));
    const other = new Worker(
      `const { workerData: { turn, at } } = require('node:worker_threads');
       setTimeout(() => { at[0] = Date.now(); Atomics.add(turn.loaded, 0, 1); Atomics.notify(turn.loaded, 0); }, 150);`,
      { eval: true, workerData: { turn: first, at: signalledAt } },
    );
    awaitLoadTurn(second); // blocks this thread until then
    const returnedAt = Date.now();
    expect(signalledAt[0]).toBeGreaterThan(0);
    expect(returnedAt).toBeGreaterThanOrEqual(signalledAt[0]!);
    expect(Atomics.load(second.loaded, 0)).toBe(1);
    await other.terminate();
  });

  it('stops waiting after its timeout when no earlier worker ever loads', () => {
    const turns = new LoadTurns(1, 100);
    turns.next();
    const started = Date.now();
    awaitLoadTurn(turns.next());
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Atomics.load(turns.next().loaded, 0)).toBe(0);
  });

  it('counts a finished load once per worker', () => {
    const turns = new LoadTurns(1);
    const a = turns.next();
    loadTurnDone(a);
    loadTurnDone(turns.next());
    expect(Atomics.load(a.loaded, 0)).toBe(2);
    const started = Date.now();
    awaitLoadTurn(turns.next()); // after 2: both loaded, no wait
    expect(Date.now() - started).toBeLessThan(50);
  });
});

/** Whether awaitLoadTurn returned within 50 ms (its turn had come). */
function awaitLoadTurnReturns(turn: ReturnType<LoadTurns['next']>): boolean {
  const started = Date.now();
  awaitLoadTurn(turn);
  return Date.now() - started < 50;
}
