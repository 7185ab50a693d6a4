import { describe, expect, it } from 'vitest';
import { InFlightLimiter } from './in-flight-limiter.js';

/** Whether `p` has settled after the microtask queue ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe('InFlightLimiter', () => {
  it('counts slots taken and free in the whole node', () => {
    const l = new InFlightLimiter(3, 3);
    l.acquire('t:0');
    l.acquire('t:1');
    expect([l.count, l.free]).toEqual([2, 1]);
    l.release('t:0');
    expect([l.count, l.free]).toEqual([1, 2]);
  });

  it('counts slots per partition', () => {
    const l = new InFlightLimiter(10, 10);
    l.acquire('t:0');
    l.acquire('t:0');
    l.acquire('t:1');
    expect([l.countFor('t:0'), l.countFor('t:1'), l.countFor('t:2')]).toEqual([2, 1, 0]);
  });

  it('makes whenFree wait while every slot is taken and resolves it when one is released', async () => {
    const l = new InFlightLimiter(2, 2);
    l.acquire('t:0');
    l.acquire('t:1');
    const free = l.whenFree();
    expect(await settled(free)).toBe(false);
    l.release('t:1');
    expect(await settled(free)).toBe(true);
  });

  it('resolves whenFree at once while a slot is free', async () => {
    const l = new InFlightLimiter(2, 2);
    l.acquire('t:0');
    expect(await settled(l.whenFree())).toBe(true);
  });

  it('makes whenFree(n) wait until n slots are free, so a busy node polls a batch at a time', async () => {
    const l = new InFlightLimiter(4, 4);
    for (const p of ['t:0', 't:1', 't:2']) l.acquire(p);
    const two = l.whenFree(2);
    expect(await settled(two)).toBe(false); // 1 free
    l.release('t:0');
    expect(await settled(two)).toBe(true); // 2 free
  });

  it('caps whenFree(n) at the limit, so asking for more than the node holds cannot wait forever', async () => {
    const l = new InFlightLimiter(2, 2);
    l.acquire('t:0');
    const many = l.whenFree(10);
    expect(await settled(many)).toBe(false);
    l.release('t:0');
    expect(await settled(many)).toBe(true);
  });

  it('tells the caller to pause a partition when it reaches its own limit, and to resume it when it drops below', () => {
    const l = new InFlightLimiter(10, 2);
    expect(l.acquire('t:0')).toBe(false);
    expect(l.acquire('t:0')).toBe(true); // 2 of 2: pause
    expect(l.acquire('t:1')).toBe(false); // another partition is not affected
    expect(l.release('t:0')).toBe(true); // 1 of 2: resume
    expect(l.release('t:0')).toBe(false); // already below: nothing to resume
  });

  it('never reports free slots below zero when more were taken than the limit', () => {
    const l = new InFlightLimiter(1, 1);
    l.acquire('t:0');
    l.acquire('t:0');
    expect([l.count, l.free]).toEqual([2, 0]);
  });

  it('resolves whenDrained once nothing is in flight', async () => {
    const l = new InFlightLimiter(4, 4);
    l.acquire('t:0');
    l.acquire('t:1');
    const drained = l.whenDrained();
    l.release('t:0');
    expect(await settled(drained)).toBe(false);
    l.release('t:1');
    expect(await settled(drained)).toBe(true);
  });

  it('resolves whenDrained for some partitions while other partitions still have records in flight', async () => {
    const l = new InFlightLimiter(4, 4);
    l.acquire('t:0');
    l.acquire('t:1');
    l.acquire('t:2');
    const drained = l.whenDrained(['t:0', 't:1']);
    l.release('t:0');
    expect(await settled(drained)).toBe(false);
    l.release('t:1');
    expect(await settled(drained)).toBe(true);
    expect(l.countFor('t:2')).toBe(1);
  });

  it('resolves whenDrained at once when nothing is in flight', async () => {
    expect(await settled(new InFlightLimiter(1, 1).whenDrained())).toBe(true);
  });
});
