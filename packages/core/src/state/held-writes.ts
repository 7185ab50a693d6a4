/** One held changelog write: the changelog key and its latest value (null: a tombstone). */
export interface HeldWrite {
  readonly key: unknown;
  value: unknown | null;
}

/**
 * The changelog writes a logging-on-commit store holds until its next flush, one per changelog key,
 * found by a group and an id: a window's start and its record key's id, for instance. Two levels
 * rather than one string per write: the group is a number or a constant, the id usually the record
 * key itself, so no string is built (and hashed) per write, and each map stays small (a window
 * aggregation holds ~20k windows a second; a single map of them cost 5 % of its node's CPU).
 * The oldest is evicted first, found in a queue of first writes: a Map's first entry is found by
 * walking past every entry deleted before it, which made each eviction slower than the last.
 */
export class HeldWrites {
  private readonly groups = new Map<number | string, Map<string, HeldWrite>>();
  private count = 0;
  /** (group, id) of each held write in first-write order, from `head` on: who is evicted next. */
  private order: { groups: Array<number | string>; ids: string[]; head: number } = { groups: [], ids: [], head: 0 };

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  /** Holds `value` as the latest of (group, id); past the limit, returns the oldest write, let go (the caller logs it now). */
  hold(group: number | string, id: string, key: unknown, value: unknown | null): HeldWrite | undefined {
    let writes = this.groups.get(group);
    if (!writes) this.groups.set(group, (writes = new Map()));
    const w = writes.get(id);
    if (w) {
      w.value = value;
      return undefined;
    }
    writes.set(id, { key, value });
    this.order.groups.push(group);
    this.order.ids.push(id);
    return ++this.count > this.limit ? this.evictOldest() : undefined;
  }

  /** Every held write, oldest group first; the holder is then empty. */
  take(): HeldWrite[] {
    const out: HeldWrite[] = [];
    for (const writes of this.groups.values()) for (const w of writes.values()) out.push(w);
    this.clear();
    return out;
  }

  clear(): void {
    this.groups.clear();
    this.count = 0;
    this.order = { groups: [], ids: [], head: 0 };
  }

  private evictOldest(): HeldWrite {
    const order = this.order;
    const group = order.groups[order.head]!;
    const id = order.ids[order.head]!;
    // Every queued write is still held: nothing but eviction, take and clear lets one go.
    if (++order.head > 1024 && order.head * 2 > order.ids.length) {
      order.groups.splice(0, order.head);
      order.ids.splice(0, order.head);
      order.head = 0;
    }
    const writes = this.groups.get(group)!;
    const write = writes.get(id)!;
    writes.delete(id);
    if (writes.size === 0) this.groups.delete(group);
    this.count--;
    return write;
  }
}
