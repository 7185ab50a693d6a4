import { LmdbStoreFile } from './lmdb-store-file.js';
import { PendingWrites } from './pending-writes.js';
import type { StoreCheckpoint } from './store-checkpoint.js';
import type { StoreContext } from './state-store.js';

/**
 * What the persistent stores share: an lmdb file in the store instance's folder, writes pending in
 * memory until a checkpoint puts them on disk with the changelog offset they reach (so the disk
 * never holds a write its changelog could have lost), and the lifecycle around them.
 */
export abstract class LmdbBackedStore {
  readonly persistent = true;
  readonly checkpoint: StoreCheckpoint;
  protected readonly pending = new PendingWrites();
  private file: LmdbStoreFile | undefined;

  constructor(readonly name: string) {
    this.checkpoint = this.pending.checkpoint(() => this.opened());
  }

  get isOpen(): boolean {
    return this.file !== undefined;
  }

  init(ctx: StoreContext): void {
    if (!ctx.directory) throw new Error(`persistent store "${this.name}" needs a state directory`);
    const file = new LmdbStoreFile(ctx.directory);
    file.open();
    this.file = file;
  }

  /** Writes reach disk at checkpoints, not here. */
  async flush(): Promise<void> {}

  close(): void {
    this.pending.clear();
    this.file?.close();
    this.file = undefined;
  }

  protected opened(): LmdbStoreFile {
    if (!this.file) throw new Error(`store "${this.name}" is not open`);
    return this.file;
  }
}
