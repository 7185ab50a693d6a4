import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.js';

describe('FairQueue', () => {
  it('serves the keys in turn while several wait, each key first come first served', () => {
    const q = new FairQueue<string>();
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

  it('gives a key that comes back its turn after the keys already waiting', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a1');
    q.push('b', 'b1');
    expect(q.shift()).toBe('a1');
    q.push('a', 'a2');
    q.push('c', 'c1');
    expect([q.shift(), q.shift(), q.shift()]).toEqual(['b1', 'a2', 'c1']);
  });

  it('drains every waiter at once', () => {
    const q = new FairQueue<number>();
    q.push('a', 1);
    q.push('b', 2);
    q.push('a', 3);
    expect(q.drain().sort()).toEqual([1, 2, 3]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
