/** An answer given to a request, kept to be given again. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface Entry {
  readonly answer: Promise<StoredAnswer>;
  readonly expiresAt: number;
}

/**
 * `Idempotency-Key` answers per tenant, bounded in count (least recently used dropped first) and in
 * time (`ttlMs`). A repeat of a key in flight waits for the first request's answer, so two racing
 * retries still make one record. Only acceptances are kept: a refusal (busy, bad image) leaves the
 * key free for the retry that fixes it.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The first answer to `tenant`'s `key`, if it is still kept. */
  get(tenant: string, key: string): Promise<StoredAnswer> | undefined {
    const id = `${tenant}\u0000${key}`;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    this.entries.delete(id); // re-insert: Map order is the LRU order
    this.entries.set(id, entry);
    return entry.answer;
  }

  /** Keeps the answer `answer` will give; drops it again if that is not a 2xx. */
  put(tenant: string, key: string, answer: Promise<StoredAnswer>): void {
    const id = `${tenant}\u0000${key}`;
    const entry = { answer, expiresAt: this.now() + this.ttlMs };
    this.entries.set(id, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const forget = () => {
      if (this.entries.get(id) === entry) this.entries.delete(id);
    };
    answer.then((a) => (a.status >= 300 ? forget() : undefined), forget);
  }
}
