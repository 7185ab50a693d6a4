/**
 * The disk side of a persistent store: its data reflects its changelog up to an offset, so a
 * restart restores only the tail from there.
 */
export interface StoreCheckpoint {
  /** The changelog offset (the next to read) the data on disk reflects; undefined when there is none. */
  readonly offset: number | undefined;
  /** Drops everything on disk, before the whole changelog is restored. */
  wipe(): void;
  /**
   * Takes the writes made so far. The function it returns puts them on disk together with `offset`
   * (call it once they are in the changelog below `offset`); writes made later stay pending.
   */
  take(): (offset: number) => Promise<void>;
}
