/**
 * Counts records in flight in a node and per partition. The node pulls only while `free > 0`,
 * and pauses a partition when it reaches its own limit: demand flows back to the broker instead
 * of records piling up in memory.
 */
export class InFlightLimiter {
  private inFlight = 0;
  private readonly perKey = new Map<string, number>();
  /** `whenFree` / `whenDrained` callers, each woken only once its condition holds, not on every release. */
  private waiters: Array<{ readonly ready: () => boolean; readonly wake: () => void }> = [];

  constructor(
    readonly limit: number,
    readonly perPartitionLimit: number,
  ) {}

  get count(): number {
    return this.inFlight;
  }

  get free(): number {
    return Math.max(0, this.limit - this.inFlight);
  }

  countFor(partitionKey: string): number {
    return this.perKey.get(partitionKey) ?? 0;
  }

  /** Takes a slot; returns true when the partition reached its limit and should be paused. */
  acquire(partitionKey: string): boolean {
    this.inFlight++;
    const n = (this.perKey.get(partitionKey) ?? 0) + 1;
    this.perKey.set(partitionKey, n);
    return n >= this.perPartitionLimit;
  }

  /**
   * Frees a slot; returns true when the partition dropped below its limit and may resume. A
   * partition's count stays in the map at 0 (the keys are a node's few partitions): deleting it
   * made V8 shrink and rehash the map on nearly every record of a node that keeps up.
   */
  release(partitionKey: string): boolean {
    this.inFlight--;
    const n = (this.perKey.get(partitionKey) ?? 1) - 1;
    this.perKey.set(partitionKey, n);
    if (this.waiters.length > 0) this.wakeReady();
    return n === this.perPartitionLimit - 1;
  }

  /**
   * Resolves once at least `slots` slots are free, or nothing is in flight (at once if so). Asking
   * for a batch of slots instead of one keeps a busy node from polling one record at a time.
   */
  whenFree(slots = 1): Promise<void> {
    const wanted = Math.max(1, Math.min(slots, this.limit));
    return this.when(() => this.free >= wanted || this.inFlight === 0);
  }

  /** Resolves once nothing is in flight for the given partitions (all when omitted). */
  whenDrained(partitionKeys?: readonly string[]): Promise<void> {
    return this.when(() => (partitionKeys ? !partitionKeys.some((k) => (this.perKey.get(k) ?? 0) > 0) : this.inFlight === 0));
  }

  /** Checked again on waking: whoever ran first may have taken the slots meanwhile. */
  private async when(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((wake) => this.waiters.push({ ready, wake }));
  }

  /** Runs on every release while the poll loop waits for slots: allocates only when someone wakes. */
  private wakeReady(): void {
    let any = false;
    for (const w of this.waiters) if ((any = w.ready())) break;
    if (!any) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.ready()) w.wake();
      else this.waiters.push(w);
    }
  }
}
