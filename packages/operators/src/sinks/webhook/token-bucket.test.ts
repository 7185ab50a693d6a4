import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('lets burst requests go at once, then one per 1/rate, never more than burst + rate × T in T', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    const taken: number[] = [];
    while (now <= 2000) {
      const wait = bucket.tryTake();
      if (wait === 0) taken.push(now);
      else now += wait;
    }
    expect(taken.slice(0, 4)).toEqual([0, 0, 0, 100]);
    expect(taken.filter((t) => t < 1000)).toHaveLength(3 + 10 - 1); // the 10th refill lands at 1000
    expect(taken.filter((t) => t >= 1000 && t < 2000)).toHaveLength(10);
  });
});
