import { errorMessage } from '../../errors/vision-flow-error.js';
import type { StoreCheckpoint } from '../../state/store-checkpoint.js';
import type { StoreBuilder } from '../../state/state-store.js';
import type { Changelog } from './changelog.js';

interface Taken {
  readonly writes: Array<() => Promise<void>>;
  /** Commits that ended since the take; the second one's checkpoint started after it. */
  commits: number;
}

/**
 * Puts a task's persistent stores on disk behind the node's commits. A commit's producer checkpoint
 * acknowledges every changelog write made before it started. So the checkpointer reads each
 * changelog's end, then takes the stores' pending writes (all of them are below that end or were
 * made after it was read), and puts them on disk with that end once the second commit after the
 * take has ended: that commit started after the first had ended, so after the take. The disk then
 * never holds a write its changelog could have lost, and restore from its offset misses nothing.
 */
export class StoreCheckpointer {
  private readonly stores: Array<{ builder: StoreBuilder; checkpoint: StoreCheckpoint }> = [];
  private taken: Taken | undefined;
  private taking = false;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly changelog: Changelog,
    private readonly partition: number,
    private readonly log: (message: string) => void,
  ) {}

  add(builder: StoreBuilder, checkpoint: StoreCheckpoint): void {
    this.stores.push({ builder, checkpoint });
  }

  /** Whether there is a store to checkpoint, and the task is not closed. */
  get active(): boolean {
    return !this.closed && this.stores.length > 0;
  }

  /** A commit of the node ended. */
  committed(): void {
    if (this.closed || this.stores.length === 0) return;
    const taken = this.taken;
    if (taken && ++taken.commits >= 2) {
      this.taken = undefined;
      this.writing = this.writing
        // A closed task's stores may be open again in its successor: a late write would put old state on disk.
        .then(() => (this.closed ? undefined : Promise.all(taken.writes.map((w) => w()))))
        .then(
          () => undefined,
          (e: unknown) => {
            if (!this.closed) this.log(`store checkpoint of partition ${this.partition} failed, the next one tries again: ${errorMessage(e)}`);
          },
        );
    }
    if (!this.taken && !this.taking) void this.take();
  }

  /** Resolves when no disk write is in flight. */
  idle(): Promise<void> {
    return this.writing;
  }

  close(): void {
    this.closed = true;
  }

  private async take(): Promise<void> {
    this.taking = true;
    try {
      const ends = await Promise.all(this.stores.map((s) => (s.builder.logged ? this.changelog.end(s.builder, this.partition) : 0)));
      if (this.closed) return;
      const writes = this.stores.map((s, i) => {
        const write = s.checkpoint.take();
        return () => write(ends[i] ?? 0);
      });
      this.taken = { writes, commits: 0 };
    } catch (e) {
      this.log(`store checkpoint of partition ${this.partition}: could not read the changelog end, the next commit tries again: ${errorMessage(e)}`);
    } finally {
      this.taking = false;
    }
  }
}
