import { describe, expect, it } from 'vitest';
import { ChangeLoggingKeyValueStore } from './change-logging-key-value-store.js';
import { MAX_HELD_LOG_WRITES } from './change-logging-store.js';
import { ChangeLoggingWindowStore } from './change-logging-window-store.js';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';

type Logged = Array<[unknown, unknown]>;

function context(logged: Logged, flushedBeforeCommit: boolean) {
  return { topology: 't', node: 'n', partition: 0, changelogTopic: '', flushedBeforeCommit, log: (k: unknown, v: unknown) => void logged.push([k, v]) };
}

describe('a change-logging store that logs on commit', () => {
  it('holds writes until a flush, then logs each key once with its latest value, in first-write order', async () => {
    const logged: Logged = [];
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore<string, number>('s'), true);
    store.init(context(logged, true));
    store.put('a', 1);
    store.put('b', 1);
    store.put('a', 2);
    store.delete('b');
    expect(store.get('a')).toBe(2); // reads see every write at once
    expect(logged).toEqual([]);
    await store.flush();
    expect(logged).toEqual([['a', 2], ['b', null]]);
    await store.flush();
    expect(logged).toHaveLength(2); // nothing held twice
  });

  it('logs window writes by key and window start', async () => {
    const logged: Logged = [];
    const store = new ChangeLoggingWindowStore(new InMemoryWindowStore<string, number>('w', 10, 5), true);
    store.init(context(logged, true));
    store.put('k', 1, 0);
    store.put('k', 2, 0);
    store.put('k', 1, 10);
    await store.flush();
    expect(logged).toEqual([[{ key: 'k', start: 0 }, 2], [{ key: 'k', start: 10 }, 1]]);
  });

  it('logs the oldest held write at once when more keys than the bound are held', () => {
    const logged: Logged = [];
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore<number, number>('s'), true);
    store.init(context(logged, true));
    for (let i = 0; i <= MAX_HELD_LOG_WRITES; i++) store.put(i, i);
    expect(logged).toEqual([[0, 0]]);
  });

  it('logs every write at once where the runtime does not flush before commits (a source node)', () => {
    const logged: Logged = [];
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore<string, number>('s'), true);
    store.init(context(logged, false));
    store.put('a', 1);
    store.put('a', 2);
    expect(logged).toEqual([['a', 1], ['a', 2]]);
  });

  it('drops held writes on close: their records were not committed and run again', async () => {
    const logged: Logged = [];
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore<string, number>('s'), true);
    store.init(context(logged, true));
    store.put('a', 1);
    store.close();
    expect(logged).toEqual([]);
  });
});
