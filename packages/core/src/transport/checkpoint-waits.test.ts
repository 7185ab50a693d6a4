// CheckpointWaits: a wait is answered by the first checkpoint that starts after it, never by one
// already running; a timed-out checkpoint passes its waits to the next; with no checkpoint, one is
// started for them.
import { describe, expect, it } from 'vitest';
import { CheckpointWaits } from './checkpoint-waits.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const state = (p: Promise<void>) => {
  const s = { settled: 'no' as 'no' | 'resolved' | 'rejected' };
  p.then(() => (s.settled = 'resolved'), () => (s.settled = 'rejected'));
  return s;
};

describe('CheckpointWaits', () => {
  it('answers the waits made before a checkpoint started, and only those', async () => {
    const waits = new CheckpointWaits(async () => undefined, 60_000);
    const a = state(waits.next());
    expect(waits.next(), 'waits between two checkpoints share one promise').toBe(waits.next());
    const running = waits.starting();
    const b = state(waits.next()); // made while the checkpoint runs: it may not cover this write
    running.done();
    await tick();
    expect([a.settled, b.settled]).toEqual(['resolved', 'no']);
    waits.starting().done();
    await tick();
    expect(b.settled).toBe('resolved');
  });

  it('rejects the waits of a checkpoint that found a write lost', async () => {
    const waits = new CheckpointWaits(async () => undefined, 60_000);
    const wait = waits.next();
    waits.starting().failed(new Error('lost'));
    await expect(wait).rejects.toThrow('lost');
  });

  it('passes the waits of a timed-out checkpoint to the next one', async () => {
    const waits = new CheckpointWaits(async () => undefined, 60_000);
    const a = state(waits.next());
    waits.starting().timedOut();
    await tick();
    expect(a.settled).toBe('no');
    waits.starting().done();
    await tick();
    expect(a.settled).toBe('resolved');
  });

  it('starts a checkpoint itself when none starts within its time, and not when one does', async () => {
    let started = 0;
    const waits: CheckpointWaits = new CheckpointWaits(async () => {
      started++;
      waits.starting().done();
    }, 50);
    const asked = Date.now();
    await waits.next();
    expect(started).toBe(1);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(45);

    void waits.next();
    waits.starting().done(); // a commit's checkpoint came first
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(started, 'no second checkpoint of its own').toBe(1);
  });
});
