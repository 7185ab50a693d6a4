// EmittedMarker: an emit-final aggregation's "emitted through" moves in its store only once the
// final records it covers are durable, never back, and not at all when one of them failed.
import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../state/in-memory-key-value-store.js';
import { EmittedMarker } from './emitted-marker.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function marker(durable: () => Promise<void> = () => Promise.resolve()) {
  const store = new InMemoryKeyValueStore<string, number>('marker');
  store.init({ topology: 't', node: 'n', partition: 0, changelogTopic: '', flushedBeforeCommit: false, log: () => undefined });
  return new EmittedMarker(store, durable);
}

describe('EmittedMarker', () => {
  it('moves once every final record it covers is durable', async () => {
    const m = marker();
    const a = deferred();
    const b = deferred();
    m.moveAfter([a.promise, b.promise], 500);
    a.resolve();
    await tick();
    expect(m.get(), 'one record is not durable yet').toBeUndefined();
    b.resolve();
    await tick();
    expect(m.get()).toBe(500);
  });

  it('moves only once the producer says what it took is acknowledged', async () => {
    const acknowledged = deferred();
    const m = marker(() => acknowledged.promise);
    m.moveAfter([Promise.resolve()], 500);
    await tick();
    expect(m.get(), 'forwarded and taken, not yet acknowledged').toBeUndefined();
    acknowledged.resolve();
    await tick();
    expect(m.get()).toBe(500);
  });

  it('never moves back when an earlier close becomes durable after a later one', async () => {
    const m = marker();
    const early = deferred();
    m.moveAfter([early.promise], 500);
    m.moveAfter([], 1000);
    early.resolve();
    await tick();
    expect(m.get()).toBe(1000);
  });

  it('stays where it was when a final record failed: those windows are emitted again after a restart', async () => {
    const m = marker();
    m.moveAfter([], 500);
    const failed = deferred();
    m.moveAfter([failed.promise], 1000);
    failed.reject(new Error('lost'));
    await tick();
    expect(m.get()).toBe(500);
  });
});
