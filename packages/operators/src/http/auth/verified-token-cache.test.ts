import { describe, expect, it } from 'vitest';
import { timesProblem, VerifiedTokenCache } from './verified-token-cache.js';

const entry = (exp: number) => ({ claims: { exp } });

describe('VerifiedTokenCache', () => {
  it('keeps an entry for maxAgeMs and at most maxEntries, least recently used dropped first', () => {
    const cache = new VerifiedTokenCache<{ claims: { exp: number } }>(2, 1000);
    cache.put('a', entry(1), 0);
    cache.put('b', entry(2), 0);
    expect(cache.get('a', 10)).toEqual(entry(1)); // a is now the most recent
    cache.put('c', entry(3), 10);
    expect([cache.get('a', 20), cache.get('b', 20), cache.get('c', 20)]).toEqual([entry(1), undefined, entry(3)]);
    expect(cache.get('a', 1000)).toBeUndefined(); // aged out
  });
});

describe('timesProblem', () => {
  it('judges exp and nbf as jose does, with the skew', () => {
    expect(timesProblem({ exp: 100 }, 129_000, 30)).toBeUndefined();
    expect(timesProblem({ exp: 100 }, 130_000, 30)).toBe('exp');
    expect(timesProblem({ exp: 200, nbf: 100 }, 70_000, 30)).toBeUndefined();
    expect(timesProblem({ exp: 200, nbf: 100 }, 69_000, 30)).toBe('nbf');
  });
});
