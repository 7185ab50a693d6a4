/**
 * Every instrumentation event vision-flow emits, with its payload. Keep docs/events.md in step.
 * Names are namespaced `<area>.<what_happened>`, as in KafkaJS.
 */
export interface EventPayloads {
  'node.started': { node: string; transport: string; input: string };
  'node.stopped': { node: string; reason: string };
  'node.failed': { node: string; code: string; message: string };
  'node.record_processed': { node: string; topic: string | undefined; partition: number | undefined; offset: number | undefined; key: string | undefined; durationMs: number };
  'node.record_dead_lettered': { node: string; code: string; message: string; operator: string; topic: string | undefined; partition: number | undefined; offset: number | undefined; key: string | undefined };
  'node.record_dropped': { node: string; reason: string };
  'node.output_produced': { node: string; topic: string; partition: number | undefined; offset: number | undefined; key: string | undefined };
  'node.committed': { node: string; offsets: Array<{ topic: string; partition: number; offset: number }> };
  'node.partitions_assigned': { node: string; partitions: Array<{ topic: string; partition: number }> };
  'node.partitions_revoked': { node: string; partitions: Array<{ topic: string; partition: number }>; unfinished: number };
  'node.backpressure': { node: string; inFlight: number; paused: Array<{ topic: string; partition: number }> };
  /** One record through one stage (a run of operators, or a processor): from entering it until the stage completed. */
  'node.stage_completed': { node: string; stage: string; durationMs: number; failed: boolean };
  /** An operator ran a model (reported through its context): wait for a worker, inference and post-processing. */
  'operator.inference': { node: string; operator: string; model: string; durationMs: number };
  'source.exhausted': { node: string; records: number };
  /** A restore in progress: `records` read so far of about `total` (the offsets between `fromOffset` and `toOffset`). */
  'store.restore_progress': { node: string; store: string; partition: number; records: number; total: number; fromOffset: number; toOffset: number; elapsedMs: number };
  /** A store's restore ended: the changelog from `fromOffset` (a persistent store's checkpoint, else 0) to `toOffset` was applied. */
  'store.restored': { node: string; store: string; partition: number; records: number; fromOffset: number; toOffset: number; durationMs: number; persistent: boolean };
}

export type EventName = keyof EventPayloads;

export interface InstrumentationEvent<N extends EventName = EventName> {
  readonly id: number;
  readonly type: N;
  readonly timestamp: number;
  readonly payload: EventPayloads[N];
}

export const events: readonly EventName[] = [
  'node.started',
  'node.stopped',
  'node.failed',
  'node.record_processed',
  'node.record_dead_lettered',
  'node.record_dropped',
  'node.output_produced',
  'node.committed',
  'node.partitions_assigned',
  'node.partitions_revoked',
  'node.backpressure',
  'node.stage_completed',
  'operator.inference',
  'source.exhausted',
  'store.restore_progress',
  'store.restored',
];
