import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Database, Key, RootDatabase } from 'lmdb';

const checkpointKey = 'changelog-offset';

/**
 * One persistent store instance's lmdb environment: its data, and the changelog offset the data
 * reflects, written in the same transaction so the two never disagree after a crash.
 */
export class LmdbStoreFile {
  private root: RootDatabase | undefined;
  private data: Database<unknown, Key> | undefined;
  private meta: Database<number, string> | undefined;

  constructor(readonly directory: string) {}

  open(): void {
    mkdirSync(this.directory, { recursive: true });
    // Loaded when a persistent store first opens (Node caches it): ~50 ms of start-up that nodes without one skip.
    const { open } = createRequire(import.meta.url)('lmdb') as typeof import('lmdb');
    this.root = open({ path: this.directory, maxDbs: 2 });
    this.data = this.root.openDB<unknown, Key>({ name: 'data' });
    this.meta = this.root.openDB<number, string>({ name: 'meta' });
  }

  get checkpointOffset(): number | undefined {
    return this.opened().meta.get(checkpointKey);
  }

  get(key: Key): unknown {
    return this.opened().data.get(key);
  }

  /** Entries with `start <= key < end` in key order (both undefined: all). */
  range(start?: Key, end?: Key): Iterable<{ key: Key; value: unknown }> {
    return this.opened().data.getRange({ ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) });
  }

  wipe(): void {
    const { data, meta } = this.opened();
    data.clearSync();
    meta.clearSync();
  }

  /** Writes the entries (null: remove) and the checkpoint offset in one transaction. */
  write(entries: Iterable<readonly [Key, unknown]>, offset: number): Promise<void> {
    const { root, data, meta } = this.opened();
    return root.transaction(() => {
      for (const [k, v] of entries) {
        if (v === null) void data.remove(k);
        else void data.put(k, v);
      }
      void meta.put(checkpointKey, offset);
    }).then(() => undefined);
  }

  close(): void {
    // Closing waits for a write in flight; nothing after it needs the answer.
    void this.root?.close().catch(() => undefined);
    this.root = this.data = this.meta = undefined;
  }

  private opened(): { root: RootDatabase; data: Database<unknown, Key>; meta: Database<number, string> } {
    if (!this.root || !this.data || !this.meta) throw new Error(`store file ${this.directory} is not open`);
    return { root: this.root, data: this.data, meta: this.meta };
  }
}
