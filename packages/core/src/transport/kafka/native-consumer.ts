// The librdkafka consumer handle as KafkaConsumer (a group member) and KafkaReader (group-less)
// both use it: connecting, the sliced consume(), message conversion and closing.
import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import { EMPTY_HEADERS, type Headers } from '../../records/headers.js';
import type { IncomingMessage, TopicPartition } from '../transport.js';
import { mapKafkaError, type KafkaErrorContext } from './map-kafka-error.js';
import { codesOf, rdkafka, type ConsumerGlobalConfig, type ConsumerTopicConfig, type LibrdKafkaError, type Message, type MessageHeader, type RdConsumer } from './rdkafka.js';

export type NativeConsumer = RdConsumer & {
  // Public on the JS class, missing from its typings: consume(n) then waits `timeout` for the first
  // message only and takes whatever else is already fetched, which is exactly poll()'s contract.
  setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void;
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  assign(partitions: TopicPartition[]): void;
  unassign(): void;
  assignmentLost(): boolean;
};

export interface NativeConsumerConfig {
  readonly global: ConsumerGlobalConfig;
  readonly topic: ConsumerTopicConfig;
}

/** What a group member hears from one handle; each callback is told which handle it came from. */
export interface NativeConsumerEvents {
  rebalance?(native: NativeConsumer, err: LibrdKafkaError | undefined, assignment: TopicPartition[]): void;
  committed?(native: NativeConsumer, err: LibrdKafkaError | undefined): void;
  error?(native: NativeConsumer, err: LibrdKafkaError): void;
}

/**
 * Longest single native consume(); a poll loops in slices. Each consume() holds a libuv thread-pool
 * thread (4 by default) for its whole wait, so short slices let other pool work (DNS, fs, producer
 * flush, other consumers) run between them.
 */
export const CONSUME_SLICE_MS = 100;
/** Pause after a transient consume error so the loop does not spin; ms. */
const ERROR_BACKOFF_MS = 50;
/**
 * consume() size and wait when it runs only to serve librdkafka's callbacks (a commit's result, the
 * revocation after unsubscribe), which come as high-priority ops to the first consume() after they
 * arrive. consume() waits its full timeout for a record even after serving one, hence short slices;
 * one record per call keeps what such a call sets aside (for the next poll) to a few records.
 */
const SERVE_BATCH = 1;
const SERVE_SLICE_MS = 5;
/** librdkafka's close() waits for the group to answer LeaveGroup; do not hang close() on a dead broker. */
export const DISCONNECT_TIMEOUT_MS = 15_000;

/** Consume errors that only mean "nothing to read right now": librdkafka recovers by itself. */
const TRANSIENT = ['ERR__TRANSPORT', 'ERR__ALL_BROKERS_DOWN', 'ERR__RESOLVE', 'ERR__TIMED_OUT', 'ERR__PARTITION_EOF', 'ERR_UNKNOWN_TOPIC_OR_PART',
  'ERR__UNKNOWN_PARTITION', 'ERR__MAX_POLL_EXCEEDED', 'ERR__WAIT_COORD', 'ERR_NOT_COORDINATOR', 'ERR_COORDINATOR_NOT_AVAILABLE',
  'ERR_COORDINATOR_LOAD_IN_PROGRESS', 'ERR_REBALANCE_IN_PROGRESS', 'ERR_UNKNOWN_TOPIC_ID'] as const;

/** A connected librdkafka consumer, or a mapped error (`ctx` names the operation) within `ctx.timeoutMs`. */
export async function openNativeConsumer(
  config: NativeConsumerConfig,
  ctx: KafkaErrorContext & { readonly timeoutMs: number },
  events: NativeConsumerEvents = {},
): Promise<NativeConsumer> {
  const { rebalance, committed, error } = events;
  const native: NativeConsumer = new (rdkafka().KafkaConsumer)(
    {
      ...config.global,
      ...(rebalance ? { rebalance_cb: (err: LibrdKafkaError | undefined, assignment: TopicPartition[]) => rebalance(native, err, assignment) } : {}),
      ...(committed ? { offset_commit_cb: (err: LibrdKafkaError | undefined) => committed(native, err) } : {}),
    },
    config.topic,
  ) as NativeConsumer;
  // Most errors surface through consume(); the listener keeps them off stderr.
  native.on('event.error', (err: LibrdKafkaError) => error?.(native, err));
  try {
    await new Promise<void>((resolve, reject) => native.connect({ timeout: ctx.timeoutMs }, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    native.disconnect(() => undefined);
    throw mapKafkaError(e, ctx);
  }
  native.setDefaultIsTimeoutOnlyForFirstMessage(true);
  return native;
}

/** The next consume() wait towards `deadline`: what is left of it, at most one slice. */
export function consumeSlice(deadline: number): number {
  return Math.min(Math.max(0, deadline - Date.now()), CONSUME_SLICE_MS);
}

/** Native consume() calls, one at a time whoever asks, on the current handle; records come converted. */
export class ConsumeQueue {
  private consuming: Promise<unknown> = Promise.resolve();

  /** `fail` maps a consume error that is not transient (it rejects that consume). */
  private readonly transient = codesOf(...TRANSIENT);

  constructor(
    private readonly native: () => NativeConsumer,
    private readonly fail: (err: LibrdKafkaError) => VisionFlowError,
  ) {}

  /** Queues a consume(); `unless` is checked when its turn comes, to skip one no longer needed. */
  consume(max: number, timeoutMs: number, unless?: () => boolean): Promise<IncomingMessage[]> {
    const run = this.consuming.then(() => (unless?.() ? [] : this.consumeNow(max, timeoutMs)));
    this.consuming = run.catch(() => undefined);
    return run;
  }

  /** A short consume() that serves librdkafka's callbacks; what it reads is returned all the same. */
  serve(unless?: () => boolean): Promise<IncomingMessage[]> {
    return this.consume(SERVE_BATCH, SERVE_SLICE_MS, unless);
  }

  /** Settles once every consume() queued so far has returned. */
  idle(): Promise<unknown> {
    return this.consuming;
  }

  private consumeNow(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const native = this.native();
    native.setDefaultConsumeTimeout(timeoutMs);
    return new Promise((resolve, reject) => {
      native.consume(max, (err, messages) => {
        if (!err) return resolve(messages ? messages.map(toIncoming) : []);
        if (err.isFatal || !this.transient.has(err.code)) return reject(this.fail(err));
        setTimeout(() => resolve([]), Math.min(ERROR_BACKOFF_MS, timeoutMs));
      });
    });
  }
}

/** Leaves the group (when subscribed) and closes the handle, waiting at most DISCONNECT_TIMEOUT_MS; false if it did not close in time. */
export async function closeNativeConsumer(native: NativeConsumer, subscribed: boolean): Promise<boolean> {
  try {
    if (subscribed) native.unsubscribe();
  } catch {
    // not connected any more: nothing to leave
  }
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), DISCONNECT_TIMEOUT_MS);
    native.disconnect(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function toIncoming(m: Message): IncomingMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key),
    value: m.value ?? null,
    headers: fromRdHeaders(m.headers),
    timestamp: m.timestamp ?? Date.now(),
  };
}

function fromRdHeaders(headers: MessageHeader[] | undefined): Headers {
  if (!headers || headers.length === 0) return EMPTY_HEADERS;
  const out: { [name: string]: string } = {};
  for (const h of headers) {
    for (const k in h) {
      const v = h[k]!;
      out[k] = typeof v === 'string' ? v : v.toString('utf8');
    }
  }
  return Object.freeze(out);
}
