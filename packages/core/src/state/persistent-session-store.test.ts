import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySessionStore } from './in-memory-session-store.js';
import { PersistentSessionStore } from './persistent-session-store.js';
import type { SessionStore } from './session-store.js';

const dirs: string[] = [];
const minute = 60_000;
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'vf-session-'));
  dirs.push(d);
  return d;
}
function opened(directory: string): PersistentSessionStore<string, number> {
  // sessions kept one minute after their end
  const store = new PersistentSessionStore<string, number>('s', minute);
  store.init({ topology: 't', node: 'n', partition: 0, changelogTopic: '', directory, log: () => undefined });
  return store;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The same operations on both kinds of store: the disk store must answer as the memory one does. */
function mergeScenario(store: SessionStore<string, number>): void {
  store.put({ key: 'cam', start: 0, end: 10 }, 2);
  store.put({ key: 'cam', start: 100, end: 120 }, 3);
  store.put({ key: 'other', start: 5, end: 5 }, 1);
  // A record at 60 with gap 50 merges both sessions of cam into [0, 120].
  store.remove({ key: 'cam', start: 0, end: 10 });
  store.remove({ key: 'cam', start: 100, end: 120 });
  store.put({ key: 'cam', start: 0, end: 120 }, 6);
  // Extending from the same start: the old bounds are removed first, as the processor does.
  store.remove({ key: 'cam', start: 0, end: 120 });
  store.put({ key: 'cam', start: 0, end: 130 }, 7);
  // A removal of bounds that are not stored changes nothing.
  store.remove({ key: 'cam', start: 0, end: 120 });
}

describe('PersistentSessionStore', () => {
  it('finds, merges and removes sessions as the in-memory store does', () => {
    const memory = new InMemorySessionStore<string, number>('s', minute);
    memory.init({ topology: 't', node: 'n', partition: 0, changelogTopic: '', log: () => undefined });
    const disk = opened(folder());
    for (const s of [memory, disk]) mergeScenario(s);
    for (const s of [memory, disk]) {
      expect(s.findSessions('cam', 125, 200)).toEqual([{ start: 0, end: 130, value: 7 }]);
      expect(s.findSessions('cam', 131, 200)).toEqual([]);
      expect(s.fetch('other', 0, 10)).toEqual([{ start: 5, end: 5, value: 1 }]);
      expect(s.fetchAll(0, 1000).map((x) => [x.key, x.start, x.end, x.value]).sort()).toEqual([['cam', 0, 130, 7], ['other', 5, 5, 1]]);
    }
    disk.close();
  });

  it('keeps sessions across a restart from its last checkpoint, with the offset it reached', async () => {
    const dir = folder();
    const store = opened(dir);
    mergeScenario(store);
    await store.checkpoint.take()(9);
    store.put({ key: 'late', start: 1, end: 2 }, 1); // after the checkpoint: not on disk
    store.close();
    const again = opened(dir);
    expect(again.checkpoint.offset).toBe(9);
    expect(again.fetchAll(0, 1000).map((x) => [x.key, x.start, x.end, x.value]).sort()).toEqual([['cam', 0, 130, 7], ['other', 5, 5, 1]]);
    again.close();
  });

  it('expires sessions that ended more than the retention ago, in memory at once and on disk at the next checkpoint', async () => {
    const dir = folder();
    const store = opened(dir);
    for (let i = 0; i < 5; i++) store.put({ key: 'k', start: i * minute, end: i * minute + 10 }, i);
    await store.checkpoint.take()(5);
    store.expire(3 * minute + 20); // cutoff 2 min + 20 ms: sessions ending at 10 ms, 1 min + 10 ms and 2 min + 10 ms go
    expect(store.findSessions('k', 0, 10 * minute).map((s) => s.value)).toEqual([3, 4]);
    await store.checkpoint.take()(6);
    store.close();
    const again = opened(dir);
    expect(again.findSessions('k', 0, 10 * minute).map((s) => s.value)).toEqual([3, 4]);
    again.close();
  });

  it('restores from changelog entries, a tombstone removing its session', () => {
    const store = opened(folder());
    store.restore({ key: 'cam', start: 0, end: 10 }, 1);
    store.restore({ key: 'cam', start: 20, end: 30 }, 2);
    store.restore({ key: 'cam', start: 0, end: 10 }, null);
    expect(store.findSessions('cam', 0, 100)).toEqual([{ start: 20, end: 30, value: 2 }]);
    store.close();
  });
});
