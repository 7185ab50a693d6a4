import type { EventPayloads } from '@vision-flow/core';

/** One line per restored store instance: how much of its changelog it read, from where, and how long it took. */
export function restoreLine(p: EventPayloads['store.restored']): string {
  const span = p.fromOffset > 0 ? `the tail from its checkpoint (offsets ${p.fromOffset}-${p.toOffset})` : `its changelog (offsets 0-${p.toOffset})`;
  return `${p.node}: store ${p.store} partition ${p.partition} restored ${p.records} records of ${span} in ${p.durationMs} ms${p.persistent ? ' (persistent)' : ''}`;
}

/** A restore in flight, for the progress line: `restoring counts p0 1200/5000 1.2 s`. */
export function restoringText(p: EventPayloads['store.restore_progress']): string {
  return `restoring ${p.store} p${p.partition} ${p.records}/${p.total} ${(p.elapsedMs / 1000).toFixed(1)} s`;
}
