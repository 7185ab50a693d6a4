import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import type { StateStore, StoreBuilder } from '../../state/state-store.js';
import type { Changelog } from './changelog.js';

/** What restoring one store instance needs. */
export interface StoreRestoreDeps {
  readonly node: string;
  readonly partition: number;
  readonly changelog: Changelog;
  readonly emitter: InstrumentationEmitter;
}

/**
 * Brings a store up to its changelog's end. An in-memory store reads it all; a persistent one reads
 * the tail after its checkpoint, unless it has none (a crash before the first) or the checkpoint is
 * past the end (the topic was made again): then its disk is wiped and it reads it all. The restored
 * state is put on disk with the end offset, as those records are durable already.
 */
export async function restoreStore(deps: StoreRestoreDeps, builder: StoreBuilder, store: StateStore): Promise<void> {
  const { changelog, emitter, partition } = deps;
  const started = Date.now();
  const checkpoint = store.checkpoint;
  const end = await changelog.end(builder, partition);
  let from = checkpoint?.offset ?? 0;
  if (checkpoint && (checkpoint.offset === undefined || checkpoint.offset > end)) {
    checkpoint.wipe();
    from = 0;
  }
  const base = { node: deps.node, store: builder.name, partition, fromOffset: from, toOffset: end };
  const records = await changelog.restore(builder, partition, { from, end }, (k, v) => store.restore(k, v), (n) => {
    if (emitter.wants('store.restore_progress')) emitter.emit('store.restore_progress', { ...base, records: n, total: end - from, elapsedMs: Date.now() - started });
  });
  if (checkpoint) await checkpoint.take()(end);
  emitter.emit('store.restored', { ...base, records, durationMs: Date.now() - started, persistent: store.persistent });
}
