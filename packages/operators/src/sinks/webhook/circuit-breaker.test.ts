import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, lets one probe through after openMs, and closes on its success', () => {
    let now = 0;
    const seen: CircuitState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 }, (s) => seen.push(s), () => now);
    b.failure();
    b.failure();
    b.success(); // a success in between starts the count again
    b.failure();
    b.failure();
    expect(b.permit()).toBe(0);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.permit()).toBe(1000);
    now = 1000;
    expect(b.permit()).toBe(0); // the probe
    expect(b.permit()).toBeGreaterThan(0); // only one
    b.failure();
    expect([b.state, b.permit()]).toEqual(['open', 1000]);
    now = 2000;
    expect(b.permit()).toBe(0);
    b.success();
    expect([b.state, b.permit(), b.permit()]).toEqual(['closed', 0, 0]);
    expect(seen).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('frees an abandoned probe for the next request', () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 10 }, undefined, () => now);
    b.failure();
    now = 10;
    expect(b.permit()).toBe(0);
    b.abandon();
    expect(b.permit()).toBe(0);
  });
});
