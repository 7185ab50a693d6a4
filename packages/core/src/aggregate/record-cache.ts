import { ConfigError } from '../errors/config-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import type { Rec } from '../records/record.js';
import { storeKeyId } from '../state/store-key.js';

/** How an aggregation in update mode holds its updates back (Kafka Streams' record cache). */
export interface CacheOptions {
  /** Updates held at most; past it the oldest key's latest update is emitted (default 10,000). */
  readonly maxEntries?: number;
}

export const DEFAULT_CACHE_ENTRIES = 10_000;

interface Entry {
  rec: Rec<unknown, unknown>;
  readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

/**
 * Wraps an update-mode aggregation so that only the latest update of each (windowed) key is
 * emitted, at each commit of the node (its `commitInterval`), at the end of a bounded input, or
 * when the cache is full — Kafka Streams' record cache. The runtime flushes it before reading the
 * offsets it commits (see OffsetCommitter), so no input offset is committed before the output it
 * caused is written: after a crash the records since the last commit are read again and update
 * the same keys again.
 */
export class RecordCache<I, K, A> implements Processor<I, Rec<K, A>> {
  /** Insertion order is emission order: a key updated again moves to the end. */
  private readonly entries = new Map<string, Entry>();
  private ctx!: ProcessorContext<Rec<K, A>>;

  constructor(
    private readonly inner: Processor<I, Rec<K, A>>,
    private readonly maxEntries: number,
  ) {}

  init(ctx: ProcessorContext<Rec<K, A>>): void {
    this.ctx = ctx;
    this.inner.init({ ...ctx, forward: (rec) => this.hold(rec) });
  }

  process(rec: I): void {
    this.inner.process(rec);
  }

  flush(): void {
    const held = [...this.entries.values()];
    this.entries.clear();
    for (const e of held) this.emit(e);
  }

  endOfInput(): void {
    this.inner.endOfInput?.();
    this.flush();
  }

  close(): void {
    this.inner.close();
  }

  private hold(rec: Rec<K, A>): Promise<void> {
    const id = storeKeyId(rec.key);
    const previous = this.entries.get(id);
    const entry: Entry = previous ?? { rec, waiters: [] };
    entry.rec = rec;
    if (previous) this.entries.delete(id);
    this.entries.set(id, entry);
    const written = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (this.entries.size > this.maxEntries) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      this.emit(evicted);
    }
    return written;
  }

  /** Forwards an entry's latest update; everyone who forwarded into it learns when that is written. */
  private emit(e: Entry): void {
    this.ctx.forward(e.rec as Rec<K, A>).then(
      () => e.waiters.forEach((w) => w.resolve()),
      (err: unknown) => e.waiters.forEach((w) => w.reject(err)),
    );
  }
}

/** Wraps `get` in a record cache when asked; refuses a cache where there is nothing to hold back. */
export function cached<I, K, A>(operator: string, cache: boolean | CacheOptions | undefined, emitFinal: boolean, get: () => Processor<I, Rec<K, A>>): () => Processor<I, Rec<K, A>> {
  if (cache === undefined || cache === false) return get;
  if (emitFinal) throw new ConfigError(`${operator}: cache holds back updates, and emit 'final' already emits each window once; remove cache or use emit 'update'`);
  const maxEntries = cache === true ? DEFAULT_CACHE_ENTRIES : (cache.maxEntries ?? DEFAULT_CACHE_ENTRIES);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new ConfigError(`${operator}: cache.maxEntries must be a positive integer, got ${JSON.stringify(maxEntries)}`);
  return () => new RecordCache(get(), maxEntries);
}
