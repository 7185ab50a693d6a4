import { PoisonRecordError } from '../../errors/poison-record-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { HeaderNames } from '../../records/headers.js';
import { keyToText } from '../../records/key-text.js';
import { continueTrace, SpanIds } from '../../records/traceparent.js';
import { isStreamRecord } from '../../records/record.js';
import type { TopicSerde } from '../../serde/topic-serde.js';
import { recordBatchBytes, recordBatchBytesAtMost } from '../../transport/record-size.js';
import type { OutgoingMessage, TransportProducer } from '../../transport/transport.js';
import type { NodeCounts } from './node-stats.js';
import { RoutedTopics } from './routed-topics.js';

/** What caused an output: the input it came from and the trace it belongs to (written as headers). */
export interface Cause {
  readonly origin: string | undefined;
  readonly traceId: string | undefined;
  /** The input's W3C `traceparent`, if it had one: its trace id is kept, with this node's span id. */
  readonly traceparent?: string | undefined;
  /** The stream time at the input's place in its partition, for a stateful node (see StreamTime). */
  readonly streamTime?: number | undefined;
}

/** Called once when a record's work is over: with its first error, or with nothing. */
export type Done = (error?: unknown) => void;

/**
 * Writes what a node emits (Kafka Streams' RecordCollector): encodes each output record with its
 * provenance headers, refuses one larger than its topic takes, and hands it to the producer.
 * Changelog records and dead letters go out through `write`.
 */
export class RecordOutput {
  private readonly spans = new SpanIds();

  constructor(
    private readonly node: string,
    private readonly producer: TransportProducer,
    /** Undefined for a sink node: its operators delivered the record. Routed: each record's topic is picked for it. */
    private readonly serde: TopicSerde<unknown, unknown> | RoutedTopics | undefined,
    private readonly counts: NodeCounts,
    private readonly emitter: InstrumentationEmitter,
  ) {}

  /** Sends an output record; `done` once the producer has it (acknowledged, for an `each` producer). */
  send(rec: unknown, cause: Cause | undefined, done: Done, serde = this.serde): void {
    if (!serde) return done();
    if (serde instanceof RoutedTopics) return this.sendRouted(serde, rec, cause, done);
    let message: OutgoingMessage;
    try {
      message = this.encode(rec, cause, serde);
    } catch (e) {
      return done(e);
    }
    // The callback keeps only the key and topic: the record and its message stay alive no longer than the send call.
    const key = (rec as { key: unknown }).key;
    const topic = message.topic;
    this.producer.produce(message, (e, report) => {
      if (e) return done(e);
      this.counts.produced++;
      // Without a report (the producer answers when it takes the message) there is no offset yet.
      if (this.emitter.wants('node.output_produced')) this.emitter.emit('node.output_produced', { node: this.node, topic: report?.topic ?? topic, partition: report?.partition, offset: report?.offset, key: keyToText(key) });
      done();
    });
  }

  /** A routed output (`perTenant`): the record's topic first, made on its first record. */
  private sendRouted(routed: RoutedTopics, rec: unknown, cause: Cause | undefined, done: Done): void {
    let serde: TopicSerde<unknown, unknown> | Promise<TopicSerde<unknown, unknown>>;
    try {
      serde = routed.serdeFor(rec);
    } catch (e) {
      return done(e);
    }
    if (serde instanceof Promise) serde.then((s) => this.send(rec, cause, done, s), done);
    else this.send(rec, cause, done, serde);
  }

  /** A write the producer has taken; the next commit's checkpoint makes sure it is acknowledged. */
  write(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => this.producer.produce(message, (e) => (e ? reject(e) : resolve())));
  }

  /** The output record as a message, when it can be encoded (for a dead letter of what a punctuator emitted). */
  tryEncode(rec: unknown): Buffer | null {
    try {
      const serde = this.serde instanceof RoutedTopics ? this.serde.template : this.serde;
      return serde && isStreamRecord(rec) ? serde.toMessage(rec).value : null;
    } catch {
      return null;
    }
  }

  private encode(rec: unknown, cause: Cause | undefined, serde: TopicSerde<unknown, unknown>): OutgoingMessage {
    if (!isStreamRecord(rec)) {
      throw new VisionFlowError(`node "${this.node}" emitted ${describeValue(rec)} instead of a record; map to records with r.withValue(...)`, { code: 'NOT_A_RECORD', retriable: false });
    }
    const keyText = keyToText(rec.key);
    const traced: Record<string, string> = { ...rec.headers };
    if (cause?.origin) traced[HeaderNames.origin] = cause.origin;
    // A trace id that is the record's own key goes without saying: readers take the key when the header is absent.
    if (cause?.traceId && cause.traceId !== keyText) traced[HeaderNames.traceId] = cause.traceId;
    // A processor's output has no cause: its own headers, else its key, name its trace.
    const traceparent = continueTrace(cause?.traceparent ?? rec.headers[HeaderNames.traceparent], cause?.traceId ?? rec.headers[HeaderNames.traceId] ?? keyText, this.spans);
    if (traceparent) traced[HeaderNames.traceparent] = traceparent;
    const headers = traced;
    const message = serde.toMessage(rec, headers);
    this.checkSize(message, serde.topic.maxMessageBytes);
    return message;
  }

  /**
   * Refuses an output larger than its topic takes, as the broker would. The producer answers
   * before the broker has seen a message, and a refusal reported at the next checkpoint could no
   * longer be told apart from the other writes since the last commit: caught here, it is this
   * record's alone and goes to the dead-letter topic.
   */
  private checkSize(message: OutgoingMessage, limit: number): void {
    // A bound first, without encoding the headers as UTF-8 (a UTF-16 unit is at most 3 bytes): only
    // an output near its limit is measured exactly. This runs for every output.
    if (recordBatchBytesAtMost(message.key, message.value, message.headers) <= limit) return;
    const size = recordBatchBytes(message.key, message.value, message.headers);
    if (size > limit) {
      throw new PoisonRecordError('MESSAGE_TOO_LARGE', `node "${this.node}": an output of ${size} bytes is larger than topic "${message.topic}" takes (maxMessageBytes ${limit}); raise the topic's maxMessageBytes or emit less`, { topic: message.topic });
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? `a plain ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`;
}
