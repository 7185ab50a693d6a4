import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistentWindowStore } from './persistent-window-store.js';

const dirs: string[] = [];
const minute = 60_000;
function opened(directory: string): PersistentWindowStore<string, number> {
  // one-minute windows kept one minute after their end
  const store = new PersistentWindowStore<string, number>('w', minute, minute);
  store.init({ topology: 't', node: 'n', partition: 0, changelogTopic: '', directory, log: () => undefined });
  return store;
}
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'vf-window-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('PersistentWindowStore', () => {
  it('fetches one key\'s windows by start, both ends inclusive, from disk and pending writes', async () => {
    const store = opened(folder());
    store.put('cam1', 1, 0);
    store.put('cam1', 2, minute);
    store.put('cam2', 9, minute);
    await store.checkpoint.take()(3);
    store.put('cam1', 3, 2 * minute);
    store.put('cam1', 20, minute);
    expect(store.fetch('cam1', 0, 2 * minute)).toEqual([
      { start: 0, end: minute, value: 1 },
      { start: minute, end: 2 * minute, value: 20 },
      { start: 2 * minute, end: 3 * minute, value: 3 },
    ]);
    expect(store.fetch('cam1', minute, minute).map((w) => w.value)).toEqual([20]);
    store.put('cam1', null, 0);
    expect(store.fetch('cam1', 0, 0)).toEqual([]);
    expect(store.fetchAll(minute, minute).map((w) => [w.key, w.value]).sort()).toEqual([['cam1', 20], ['cam2', 9]]);
    store.close();
  });

  it('expires windows older than size + retention in memory at once and on disk at the next checkpoint', async () => {
    const dir = folder();
    const store = opened(dir);
    for (let i = 0; i < 5; i++) store.put('k', i, i * minute);
    await store.checkpoint.take()(5);
    store.expire(4 * minute); // cutoff 2 min: windows starting at 0 and 1 min go
    expect(store.fetch('k', 0, 10 * minute).map((w) => w.start)).toEqual([2 * minute, 3 * minute, 4 * minute]);
    await store.checkpoint.take()(6);
    store.close();
    const again = opened(dir);
    expect(again.checkpoint.offset).toBe(6);
    expect(again.fetch('k', 0, 10 * minute).map((w) => w.value)).toEqual([2, 3, 4]);
    again.close();
  });

  it('restores changelog records of { key, start } keys', async () => {
    const store = opened(folder());
    store.restore({ key: 'k', start: minute }, 4);
    store.restore({ key: 'k', start: 0 }, 1);
    store.restore({ key: 'k', start: 0 }, null);
    expect(store.fetch('k', 0, minute)).toEqual([{ start: minute, end: 2 * minute, value: 4 }]);
    store.close();
  });
});
