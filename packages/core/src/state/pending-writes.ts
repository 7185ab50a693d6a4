import type { Key } from 'lmdb';
import type { LmdbStoreFile } from './lmdb-store-file.js';
import type { StoreCheckpoint } from './store-checkpoint.js';

/** A write not yet on disk: its lmdb key and the stored value (null: a removal). */
export interface PendingWrite {
  readonly dbKey: Key;
  readonly value: unknown;
}

/**
 * The writes of a persistent store since its last checkpoint, by group (the store key) and slot
 * (the window start; 0 for key-value stores). Reads look here first, then on disk. A checkpoint
 * takes a copy and puts it on disk; a write made meanwhile replaces its entry, so it stays pending.
 */
export class PendingWrites {
  private readonly groups = new Map<string, Map<number, PendingWrite>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(group: string, slot: number, write: PendingWrite): void {
    let g = this.groups.get(group);
    if (!g) this.groups.set(group, (g = new Map()));
    if (!g.has(slot)) this.count++;
    g.set(slot, write);
  }

  get(group: string, slot: number): PendingWrite | undefined {
    return this.groups.get(group)?.get(slot);
  }

  slots(group: string): ReadonlyMap<number, PendingWrite> {
    return this.groups.get(group) ?? new Map<number, PendingWrite>();
  }

  *all(): IterableIterator<[string, number, PendingWrite]> {
    for (const [group, g] of this.groups) for (const [slot, w] of g) yield [group, slot, w];
  }

  /** Forgets everything pending (the disk was wiped, or the store closes). */
  clear(): void {
    this.groups.clear();
    this.count = 0;
  }

  /** Takes the writes so far; the function writes them to `file` with `offset` and forgets each not replaced since. */
  take(file: LmdbStoreFile): (offset: number) => Promise<void> {
    const taken = [...this.all()];
    return async (offset) => {
      await file.write(taken.map(([, , w]) => [w.dbKey, w.value] as const), offset);
      for (const [group, slot, w] of taken) {
        const g = this.groups.get(group);
        if (g?.get(slot) !== w) continue;
        g.delete(slot);
        this.count--;
        if (g.size === 0) this.groups.delete(group);
      }
    };
  }

  /** The checkpoint of a store whose pending writes these are, on the file `file()` gives once open. */
  checkpoint(file: () => LmdbStoreFile): StoreCheckpoint {
    return {
      get offset() {
        return file().checkpointOffset;
      },
      wipe: () => {
        this.clear();
        file().wipe();
      },
      take: () => this.take(file()),
    };
  }
}
