/**
 * Per partition, which read offsets are still in flight. The committable offset is the lowest
 * one not yet complete (or one past the highest seen when all are): committing it never skips a
 * record whose outputs are not yet acknowledged, whatever order records finish in.
 */
export class OffsetTracker {
  private readonly pending: number[] = [];
  private readonly done = new Set<number>();
  private head = 0;
  private highest = -1;

  begin(offset: number): void {
    if (offset <= this.highest) throw new RangeError(`offset ${offset} arrived after ${this.highest}; offsets must increase within a partition`);
    this.highest = offset;
    this.pending.push(offset);
  }

  complete(offset: number): void {
    if (offset === this.pending[this.head] && this.done.size === 0) this.head++; // in order, the usual case: no set
    else this.done.add(offset);
    while (this.head < this.pending.length && this.done.has(this.pending[this.head]!)) {
      this.done.delete(this.pending[this.head]!);
      this.head++;
    }
    // Compact now and then so the array does not grow with the partition's history.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** The next offset to read that is safe to commit, or undefined if nothing was seen. */
  committable(): number | undefined {
    if (this.highest < 0) return undefined;
    return this.head < this.pending.length ? this.pending[this.head] : this.highest + 1;
  }
}
