import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistentKeyValueStore } from './persistent-key-value-store.js';
import type { StoreContext } from './state-store.js';

const dirs: string[] = [];
function context(directory: string): StoreContext {
  return { topology: 't', node: 'n', partition: 0, changelogTopic: '', directory, log: () => undefined };
}
function opened(directory: string): PersistentKeyValueStore<{ id: string }, number> {
  const store = new PersistentKeyValueStore<{ id: string }, number>('counts');
  store.init(context(directory));
  return store;
}
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'vf-kv-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('PersistentKeyValueStore', () => {
  it('puts, gets, deletes and lists entries before and after a checkpoint', async () => {
    const store = opened(folder());
    store.put({ id: 'a' }, 1);
    store.put({ id: 'b' }, 2);
    expect(store.get({ id: 'a' })).toBe(1);
    await store.checkpoint.take()(10);
    store.put({ id: 'a' }, 3);
    store.delete({ id: 'b' });
    store.put({ id: 'c' }, 4);
    expect(store.get({ id: 'a' })).toBe(3);
    expect(store.get({ id: 'b' })).toBeUndefined();
    expect([...store.all()].sort((x, y) => x[0].id.localeCompare(y[0].id))).toEqual([[{ id: 'a' }, 3], [{ id: 'c' }, 4]]);
    expect(store.approximateNumEntries).toBe(2);
    store.close();
  });

  it('after a reopen keeps what was checkpointed, with its offset, and not what was still pending', async () => {
    const dir = folder();
    const store = opened(dir);
    expect(store.checkpoint.offset).toBeUndefined();
    store.put({ id: 'a' }, 1);
    const write = store.checkpoint.take();
    store.put({ id: 'a' }, 2); // made after the take: stays pending
    store.put({ id: 'b' }, 5);
    await write(7);
    expect(store.get({ id: 'a' })).toBe(2);
    store.close();
    const again = opened(dir);
    expect(again.checkpoint.offset).toBe(7);
    expect(again.get({ id: 'a' })).toBe(1);
    expect(again.get({ id: 'b' })).toBeUndefined();
    again.checkpoint.wipe();
    expect(again.checkpoint.offset).toBeUndefined();
    expect([...again.all()]).toEqual([]);
    again.close();
  });

  it('restore applies changelog records, a null value deleting', async () => {
    const store = opened(folder());
    store.restore({ id: 'a' }, 1);
    store.restore({ id: 'b' }, 2);
    store.restore({ id: 'a' }, null);
    await store.checkpoint.take()(3);
    expect([...store.all()]).toEqual([[{ id: 'b' }, 2]]);
    store.close();
  });
});
