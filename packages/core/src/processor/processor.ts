import type { OperatorContext } from '../dsl/operator-context.js';
import type { StateStore, StoreBuilder } from '../state/state-store.js';

export type PunctuationType = 'wall-clock' | 'stream-time';

export interface Cancellable {
  cancel(): void;
}

/**
 * What a stateful processor sees of the runtime (Kafka Streams' ProcessorContext). One processor
 * instance exists per task, i.e. per input partition, with its own stores.
 */
export interface ProcessorContext<O> extends OperatorContext {
  /** The task: the input partition number this instance owns (0 for source nodes and local use). */
  readonly partition: number;
  /**
   * Sends a record to the rest of the node's pipeline. Inside `process` it counts as caused by the
   * current input. The promise resolves once the node has handed everything it caused to its
   * producer (or it failed), so a punctuator can clear what it held only after its output is out:
   * an input's offset is committed only after its outputs are acknowledged.
   */
  forward(rec: O): Promise<void>;
  /**
   * Resolves once every write the node's producer has taken so far is acknowledged by the broker
   * (on Kafka, at the end of the next checkpoint); rejects when one may be lost. Wait for it, after
   * `forward`'s promise, before recording in a change-logged store that an output was sent:
   * outputs and changelog go to different partitions, acknowledged independently, and a "sent"
   * durable before its output would let a crash lose that output for good.
   */
  durable(): Promise<void>;
  getStateStore<S extends StateStore>(name: string): S;
  /** Calls `callback` every `intervalMs` of wall-clock or stream time (event time seen so far). */
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable;
  /** Highest event timestamp this task has processed; -Infinity before the first record. */
  streamTime(): number;
  wallClockTime(): number;
  /** Counts a record the processor dropped on purpose (late, duplicate...) for metrics and events. */
  recordDropped(reason: string, rec: unknown): void;
}

/**
 * A stateful step. `process` must be synchronous: state changes happen in record order and the
 * runtime knows which store writes and outputs each input caused (as in Kafka Streams).
 */
export interface Processor<I, O> {
  init(ctx: ProcessorContext<O>): void;
  process(rec: I): void;
  /** A bounded run ended: emit whatever is final now (Flink's end-of-input watermark). */
  endOfInput?(): void;
  /**
   * Forwards what the processor holds back (a record cache). The runtime calls it before reading
   * the offsets it commits, so an input offset is committed only after the output it caused.
   */
  flush?(): void;
  close(): void;
}

/** Makes one processor per task and declares its stores (Kafka Streams' ProcessorSupplier). */
export interface ProcessorSupplier<I, O> {
  readonly name: string;
  readonly stores: readonly StoreBuilder[];
  get(): Processor<I, O>;
}
