import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.js';

describe('FairQueue', () => {
  it('serves the keys in turn while several wait and are level, each key first come first served', () => {
    const q = new FairQueue<string>(16);
    // A fast model queues six requests before a slow one queues two: FIFO would serve all six first.
    for (const item of ['f1', 'f2', 'f3', 'f4', 'f5', 'f6']) q.push('faces', item);
    q.push('objects', 'o1');
    q.push('objects', 'o2');
    expect(q.length).toBe(8);
    const served = Array.from({ length: 8 }, () => q.shift());
    expect(served).toEqual(['f1', 'o1', 'f2', 'o2', 'f3', 'f4', 'f5', 'f6']);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('gives places to the key behind until it has caught up, counting places taken without waiting', () => {
    const q = new FairQueue<string>(16);
    for (let i = 0; i < 5; i++) q.given('faces'); // ran ahead while the objects model opened
    q.given('objects');
    for (const item of ['f1', 'f2', 'f3']) q.push('faces', item);
    for (const item of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) q.push('objects', item);
    const served = Array.from({ length: 9 }, () => q.shift());
    expect(served).toEqual(['o1', 'o2', 'o3', 'o4', 'f1', 'o5', 'f2', 'o6', 'f3']);
  });

  it('lets a key that joins late, or is asked for less, go first for at most maxLag places', () => {
    const q = new FairQueue<string>(3);
    for (let i = 0; i < 100; i++) q.given('a');
    for (const item of ['a1', 'a2', 'a3']) q.push('a', item);
    for (const item of ['b1', 'b2', 'b3', 'b4', 'b5']) q.push('b', item);
    expect(Array.from({ length: 8 }, () => q.shift())).toEqual(['b1', 'b2', 'b3', 'a1', 'b4', 'a2', 'b5', 'a3']);
  });

  it('gives a key that comes back its turn after the equally served keys already waiting', () => {
    const q = new FairQueue<string>(16);
    q.push('a', 'a1');
    q.push('b', 'b1');
    expect(q.shift()).toBe('a1');
    q.push('a', 'a2');
    q.push('c', 'c1');
    expect([q.shift(), q.shift(), q.shift()]).toEqual(['b1', 'c1', 'a2']);
  });

  it('drains every waiter at once', () => {
    const q = new FairQueue<number>(16);
    q.push('a', 1);
    q.push('b', 2);
    q.push('a', 3);
    expect(q.drain().sort()).toEqual([1, 2, 3]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
