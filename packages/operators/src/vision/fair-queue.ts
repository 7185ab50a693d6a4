/**
 * Waiters queued by key (a model), served so that the keys' counts of places given stay level: the
 * next place goes to the waiting key given the fewest so far, first come first served within a key.
 * With two detectors on one pool, both fed the same images, that keeps the two nodes on the same
 * images, so the frame cache (a few frames deep) serves the second detector the frame the first one
 * decoded. Taking turns kept the rates equal but not the images: a lead the faster model took at the
 * start, while the slower model's session opened, stayed for the whole run (measured: 122 of 400
 * frames found in the cache instead of 400). Every place given counts, queued or not (`given`).
 *
 * A key is never counted more than `maxLag` behind the key given the most: one that joins late, or
 * is asked for less often, goes first for at most that many places, not until it has caught up.
 */
export class FairQueue<T> {
  /** Keys with waiters; a Map keeps insertion order, the tie-break among equally served keys. */
  private readonly byKey = new Map<string, T[]>();
  private readonly givenByKey = new Map<string, number>();
  private most = 0;
  private count = 0;

  constructor(private readonly maxLag: number) {}

  get length(): number {
    return this.count;
  }

  push(key: string, item: T): void {
    const queue = this.byKey.get(key);
    if (queue) queue.push(item);
    else this.byKey.set(key, [item]);
    this.count++;
  }

  /** Counts a place given to `key` without queueing (a free place taken at once). */
  given(key: string): void {
    const n = this.served(key) + 1;
    this.givenByKey.set(key, n);
    this.most = Math.max(this.most, n);
  }

  /** The oldest waiter of the waiting key given the fewest places; that place is counted. */
  shift(): T | undefined {
    let next: [string, T[]] | undefined;
    for (const entry of this.byKey) if (!next || this.served(entry[0]) < this.served(next[0])) next = entry;
    if (!next) return undefined;
    const [key, queue] = next;
    const item = queue.shift()!;
    this.byKey.delete(key);
    if (queue.length > 0) this.byKey.set(key, queue); // behind the other keys on a tie
    this.count--;
    this.given(key);
    return item;
  }

  /** Every waiter, emptying the queue. */
  drain(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.count = 0;
    return all;
  }

  private served(key: string): number {
    return Math.max(this.givenByKey.get(key) ?? 0, this.most - this.maxLag);
  }
}
