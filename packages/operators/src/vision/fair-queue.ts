/**
 * Waiters queued by key, served round-robin across the keys that have any: with two detectors on
 * one pool, the faster model gets no more places than the slower one while both wait, so neither
 * node runs far ahead of the other (the frame cache, a few frames deep, then serves the second
 * detector's frame the first one decoded). Within one key, first come, first served.
 */
export class FairQueue<T> {
  /** Keys with waiters, in serving order (a Map keeps insertion order; re-inserting moves a key last). */
  private readonly byKey = new Map<string, T[]>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(key: string, item: T): void {
    const queue = this.byKey.get(key);
    if (queue) queue.push(item);
    else this.byKey.set(key, [item]);
    this.count++;
  }

  /** The oldest waiter of the key whose turn it is; that key then goes to the back. */
  shift(): T | undefined {
    const next = this.byKey.entries().next();
    if (next.done) return undefined;
    const [key, queue] = next.value;
    const item = queue.shift()!;
    this.byKey.delete(key);
    if (queue.length > 0) this.byKey.set(key, queue);
    this.count--;
    return item;
  }

  /** Every waiter, emptying the queue. */
  drain(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.count = 0;
    return all;
  }
}
