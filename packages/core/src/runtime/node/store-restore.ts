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
 * past the end (the topic was made again), or before the log start (retention deleted records it has
 * not seen; Kafka Streams wipes then too): then its disk is wiped and it reads all that is kept.
 * Reading starts at the log start at the earliest, never below it: a restore asked to read records
 * retention has deleted would otherwise wait for them for ever. The restored state is put on disk
 * with the end offset, as those records are durable already.
 */
export async function restoreStore(deps: StoreRestoreDeps, builder: StoreBuilder, store: StateStore): Promise<void> {
  const { changelog, emitter, partition } = deps;
  const started = Date.now();
  const checkpoint = store.checkpoint;
  const [begin, end] = await Promise.all([changelog.begin(builder, partition), changelog.end(builder, partition)]);
  let from = Math.max(checkpoint?.offset ?? 0, begin);
  if (checkpoint && (checkpoint.offset === undefined || checkpoint.offset > end || checkpoint.offset < begin)) {
    checkpoint.wipe();
    from = begin;
  }
  const base = { node: deps.node, store: builder.name, partition, fromOffset: from, toOffset: end };
  const records = await changelog.restore(builder, partition, { from, end }, (k, v) => store.restore(k, v), (n) => {
    if (emitter.wants('store.restore_progress')) emitter.emit('store.restore_progress', { ...base, records: n, total: end - from, elapsedMs: Date.now() - started });
  });
  if (checkpoint) await checkpoint.take()(end);
  emitter.emit('store.restored', { ...base, records, durationMs: Date.now() - started, persistent: store.persistent });
}
