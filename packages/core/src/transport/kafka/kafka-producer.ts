import { ConnectionError } from '../../errors/connection-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import type { Headers } from '../../records/headers.js';
import { CheckpointWaits } from '../checkpoint-waits.js';
import type { DeliveryCallback, DeliveryReport, OutgoingMessage, TransportProducer } from '../transport.js';
import { closedError, hasKafkaCode, invalidArgument, mapKafkaError } from './map-kafka-error.js';
import { rdkafka, type LibrdKafkaError, type MessageHeader, type ProducerGlobalConfig, type RdDeliveryReport, type RdProducer } from './rdkafka.js';
import { ReplaceableHandle, withCutOffStats } from './replaceable-handle.js';

type Native = RdProducer;

/**
 * One send waiting for its delivery report; it travels through librdkafka as the message's opaque.
 * `msg` is let go once librdkafka has its copy, so a send in flight keeps no key, value or headers alive.
 */
interface Pending {
  msg: OutgoingMessage | undefined;
  partition: number | null;
  readonly onDelivery: DeliveryCallback;
}

/** How long a topic's partition count is trusted for round-robin of null keys; ms. */
const PARTITION_COUNT_TTL_MS = 30_000;
/** Wait before producing again after librdkafka's local queue was full; ms. */
const QUEUE_FULL_BACKOFF_MS = 5;
/** A `durable()` wait starts a checkpoint of its own when no commit started one this long after it; ms. */
const DURABLE_WITHIN_MS = 1000;

/**
 * The idempotent acks=all producer (see kafka-config.ts), in one of two modes:
 * - `acknowledge: 'each'`: each `produce` (and `send`, its promise form) is answered by its own
 *   delivery report: the callback rides along as librdkafka's per-message opaque, and a background
 *   poll thread (`setPollInBackground`) hands reports to JS as soon as they arrive.
 * - `acknowledge: 'checkpoint'` (a node's outputs): `produce` is answered once librdkafka has the
 *   message, and `checkpoint()` holds new messages back, flushes librdkafka and reports whether
 *   anything taken since the previous checkpoint failed. librdkafka reports failures only. A report
 *   per message costs the binding a JS object, a global handle and a callback into JS — as much CPU
 *   per record as the rest of a pass-through node — and keeps every record in flight alive until
 *   it comes.
 *
 * A librdkafka handle that has lost every broker (see cut-off-watch.ts) would hold its messages
 * until message.timeout.ms (5 min) and then fail every later one the same way: it is replaced by a
 * new one, and the messages it held fail at once with a retriable ConnectionError (the runtime
 * runs those records again).
 */
export class KafkaProducer implements TransportProducer {
  /** Messages produced and not yet reported; `flush` waits for zero. */
  private unreported = 0;
  /** Messages in the current librdkafka handle, not yet reported: what a replaced handle strands. */
  private readonly inNative = new Set<Pending>();
  private readonly handle = new ReplaceableHandle<Native>({
    open: () => this.open(),
    closing: () => this.closing !== undefined,
    retire: (old) => this.retire(old),
  });
  private flushWaiters: Array<() => void> = [];
  /** Sends that could not enter librdkafka's queue yet (QUEUE_FULL), kept in order. */
  private readonly backlog: Pending[] = [];
  private backlogTimer: NodeJS.Timeout | undefined;
  private readonly partitionCounts = new Map<string, { count: number; at: number }>();
  private readonly nextPartition = new Map<string, number>();
  /** Per topic, the metadata lookup that later sends to it wait behind, so they keep their order. */
  private readonly topicGates = new Map<string, Promise<void>>();
  private fatal: VisionFlowError | undefined;
  private closing: Promise<void> | undefined;
  /** `acknowledge: 'checkpoint'`: answered when taken; a checkpoint says what is durable. */
  private readonly atCheckpoint: boolean;
  /** While a checkpoint flushes, new messages wait in the backlog, or the flush could never end. */
  private holding = false;
  /** The first failure since the last checkpoint (checkpoint mode), which that checkpoint reports. */
  private lost: VisionFlowError | undefined;
  private checkpoints: Promise<void> = Promise.resolve();
  private readonly durableWaits = new CheckpointWaits(() => this.checkpoint(), DURABLE_WITHIN_MS);

  private constructor(
    readonly address: string,
    private readonly config: ProducerGlobalConfig,
    private readonly connectTimeoutMs: number,
    private readonly requestTimeoutMs: number,
  ) {
    this.atCheckpoint = config['delivery.report.only.error'] === true;
  }

  /** Connects (first metadata request within `connectTimeoutMs`) or rejects with a ConnectionError. */
  static async connect(address: string, config: ProducerGlobalConfig, connectTimeoutMs: number, requestTimeoutMs: number): Promise<KafkaProducer> {
    const producer = new KafkaProducer(address, config, connectTimeoutMs, requestTimeoutMs);
    producer.handle.start(await producer.open());
    return producer;
  }

  /** A connected handle whose reports this producer follows (a replaced handle's late reports are for messages already answered). */
  private async open(): Promise<Native> {
    const native = await connectNative(this.address, withCutOffStats(this.config), this.connectTimeoutMs);
    native.on('delivery-report', (err, report) => this.onDeliveryReport(err, report));
    native.on('event.error', (err) => {
      if (err.isFatal && this.handle.isLive(native)) this.fatal = mapKafkaError(err, { address: this.address, operation: 'produce' });
    });
    return native;
  }

  send(msg: OutgoingMessage): Promise<DeliveryReport> {
    const sent = new Promise<DeliveryReport | undefined>((resolve, reject) => this.produce(msg, (e, report) => (e ? reject(e) : resolve(report))));
    if (!this.atCheckpoint) return sent as Promise<DeliveryReport>;
    // Durable once a checkpoint after it has passed; its offset is not reported in this mode.
    return sent.then(async () => {
      await this.checkpoint();
      return { topic: msg.topic, partition: msg.partition ?? -1, offset: -1 };
    });
  }

  durable(): Promise<void> {
    // Each message is answered by its own acknowledgement: whatever was answered is durable.
    if (!this.atCheckpoint) return Promise.resolve();
    // Closing flushes what was taken, answering the waits made before; a later one has no checkpoint to come.
    if (this.closing) return Promise.reject(closedError('producer', this.address));
    return this.durableWaits.next();
  }

  produce(msg: OutgoingMessage, onDelivery: DeliveryCallback): void {
    if (this.closing) return refuse(onDelivery, closedError('producer', this.address));
    if (this.fatal) return refuse(onDelivery, this.fatal);
    const bad = checkMessage(msg);
    if (bad) return refuse(onDelivery, invalidArgument(`send to ${msg.topic}: ${bad}`, { address: this.address, topic: msg.topic }));
    this.unreported++;
    const pending: Pending = { msg, partition: msg.partition ?? null, onDelivery };
    const gate = this.topicGates.get(msg.topic);
    if (gate) void gate.then(() => this.enqueue(pending));
    else if (pending.partition === null && msg.key === null && !this.freshCount(msg.topic)) this.gateOnMetadata(pending);
    else this.enqueue(pending);
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    if (this.atCheckpoint) return this.checkpoint(timeoutMs);
    const all = this.unreported === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`kafka ${this.address}: flush: ${this.unreported} sends still unacknowledged after ${timeoutMs} ms`, timeoutMs, { address: this.address })), timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Checkpoint mode: resolves once every message taken before the call is acknowledged; rejects
   * with the first failure since the previous checkpoint (a message was lost), or with a TimeoutError
   * when librdkafka still holds messages after `timeoutMs` (nothing lost: they are still being sent).
   * Serialised: each waits for the one before.
   */
  checkpoint(timeoutMs = this.requestTimeoutMs * 2): Promise<void> {
    const run = this.checkpoints.then(() => this.checkpointNow(timeoutMs));
    this.checkpoints = run.catch(() => undefined);
    return run;
  }

  private async checkpointNow(timeoutMs: number): Promise<void> {
    if (!this.atCheckpoint) return this.flush(timeoutMs);
    const answer = this.durableWaits.starting();
    this.holding = true;
    try {
      await this.handle.replacing;
      const native = this.handle.current;
      await new Promise<void>((resolve, reject) =>
        native.flush(timeoutMs, (err) => (err ? reject(hasKafkaCode(err, 'ERR__TIMED_OUT')
          ? new TimeoutError(`kafka ${this.address}: checkpoint: messages still unacknowledged after ${timeoutMs} ms`, timeoutMs, { address: this.address })
          : mapKafkaError(err, { address: this.address, operation: 'flush' })) : resolve())),
      );
      // A failure report librdkafka queued before the flush ended is handed to JS in the same turn
      // of the event loop as the flush's own callback, possibly after it: let that turn finish.
      await new Promise((resolve) => setImmediate(resolve));
    } catch (e) {
      if (e instanceof TimeoutError) answer.timedOut();
      else answer.failed(e);
      throw e;
    } finally {
      this.holding = false;
      if (this.backlog.length > 0 && !this.backlogTimer) this.drain();
    }
    const lost = this.lost;
    this.lost = undefined;
    if (lost) {
      answer.failed(lost);
      throw lost;
    }
    answer.done();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.handle.replacing; // gives up connecting a new handle once `closing` is set
        await this.flush(this.requestTimeoutMs * 2);
      } finally {
        clearTimeout(this.backlogTimer);
        for (const p of this.backlog.splice(0)) this.answer(p, closedError('producer', this.address), undefined);
        await new Promise<void>((resolve) => this.handle.current.disconnect(0, () => resolve()));
      }
    })();
    return this.closing;
  }

  /** Answers one produce and wakes `flush` once nothing is unreported. */
  private answer(p: Pending, e: Error | undefined, report: DeliveryReport | undefined): void {
    if (--this.unreported === 0 && this.flushWaiters.length > 0) for (const w of this.flushWaiters.splice(0)) w();
    p.onDelivery(e, report);
  }

  private enqueue(p: Pending): void {
    if (p.partition === null && p.msg!.key === null) p.partition = this.roundRobin(p.msg!.topic);
    this.backlog.push(p);
    if (this.backlog.length === 1) this.drain();
  }

  /** Hands the backlog to librdkafka in order; on QUEUE_FULL waits a moment and goes on. */
  private drain(): void {
    this.backlogTimer = undefined;
    while (this.backlog.length > 0 && !this.holding) {
      const p = this.backlog[0]!;
      const msg = p.msg!;
      try {
        // Checkpoint mode passes no opaque: with reports of failures only, the binding would never
        // release the global handle it makes for one.
        const native = this.handle.current as Native & Partial<FlatProduce>;
        const opaque = this.atCheckpoint ? undefined : p;
        if (native.produceFlat) native.produceFlat(msg.topic, p.partition, msg.value, msg.key ?? null, msg.timestamp ?? null, opaque, flatHeaders(msg.headers));
        else native.produce(msg.topic, p.partition, nonNullEmpty(msg.value), nonNullEmpty(msg.key ?? null), msg.timestamp ?? null, opaque, toRdHeaders(msg.headers));
        p.msg = undefined;
        if (this.atCheckpoint) {
          this.backlog.shift();
          this.answer(p, undefined, undefined);
          continue;
        }
        this.inNative.add(p);
      } catch (e) {
        if (hasKafkaCode(e, 'ERR__QUEUE_FULL') && !this.closing) {
          this.backlogTimer = setTimeout(() => this.drain(), QUEUE_FULL_BACKOFF_MS);
          return;
        }
        const error = mapKafkaError(e, { address: this.address, operation: 'send', topic: msg.topic, partition: p.partition ?? undefined });
        queueMicrotask(() => this.answer(p, error, undefined)); // drain may run inside produce(), which never answers inline
      }
      this.backlog.shift();
    }
  }

  private onDeliveryReport(err: LibrdKafkaError | null | undefined, report: RdDeliveryReport): void {
    if (this.atCheckpoint) {
      if (err) this.lost ??= mapKafkaError(err, { address: this.address, operation: 'send', topic: report.topic, partition: report.partition });
      return;
    }
    const p = report.opaque as Pending | undefined;
    if (!p || !this.inNative.delete(p)) return; // answered already, when its handle was replaced
    if (err) this.answer(p, mapKafkaError(err, { address: this.address, operation: 'send', topic: report.topic, partition: report.partition }), undefined);
    else this.answer(p, undefined, { topic: report.topic, partition: report.partition, offset: report.offset });
  }

  // --- replacing a handle cut off from the cluster

  /** Fails what the old handle holds (the new one is in place), then takes it down. */
  private retire(old: Native): void {
    const stranded = [...this.inNative];
    this.inNative.clear();
    const error = new ConnectionError(
      `kafka ${this.address}: send failed: the producer lost every broker (librdkafka dropped them after a metadata response that listed none, and will not look for them again); reconnected, the record must be sent again`,
      { address: this.address, operation: 'send' },
    );
    for (const p of stranded) this.answer(p, error, undefined);
    // Checkpoint mode keeps no list of what the old handle held: the next checkpoint reports them lost.
    if (this.atCheckpoint) this.lost ??= error;
    try {
      old.disconnect(0, () => undefined);
    } catch {
      // gone already
    }
  }

  // --- round robin for null keys (librdkafka's murmur2_random would pick at random)

  private freshCount(topic: string): boolean {
    const c = this.partitionCounts.get(topic);
    return c !== undefined && Date.now() - c.at < PARTITION_COUNT_TTL_MS;
  }

  private roundRobin(topic: string): number | null {
    const count = this.partitionCounts.get(topic)?.count;
    if (!count) return null; // unknown topic: librdkafka decides, and reports the error if it does not exist
    const next = this.nextPartition.get(topic) ?? 0;
    this.nextPartition.set(topic, (next + 1) % count);
    return next % count;
  }

  private gateOnMetadata(first: Pending): void {
    const topic = first.msg!.topic;
    const gate = new Promise<void>((resolve) => {
      this.handle.current.getMetadata({ topic, allTopics: false, timeout: this.requestTimeoutMs }, (err, md) => {
        const partitions = err ? undefined : md?.topics.find((t) => t.name === topic)?.partitions.length;
        if (partitions) this.partitionCounts.set(topic, { count: partitions, at: Date.now() });
        resolve();
      });
    }).then(() => {
      this.topicGates.delete(topic);
      this.enqueue(first);
    });
    this.topicGates.set(topic, gate);
  }

}

/** A connected librdkafka producer that reports from a background thread, or a ConnectionError within `connectTimeoutMs`. */
async function connectNative(address: string, config: ProducerGlobalConfig, connectTimeoutMs: number): Promise<Native> {
  const native = new (rdkafka().Producer)(config);
  try {
    await new Promise<void>((resolve, reject) => native.connect({ timeout: connectTimeoutMs }, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    try {
      native.disconnect(() => undefined);
    } catch {
      // "Producer not connected": the binding has let go of it already
    }
    throw mapKafkaError(e, { address, operation: 'connect producer', timeoutMs: connectTimeoutMs });
  }
  native.setPollInBackground(true);
  return native;
}

/** Answers a send that never reached librdkafka; later, since a produce never answers inside the call. */
function refuse(onDelivery: DeliveryCallback, e: Error): void {
  queueMicrotask(() => onDelivery(e, undefined));
}

/** Why a message cannot be sent, checked before it reaches librdkafka; undefined when it is fine. */
function checkMessage(msg: OutgoingMessage): string | undefined {
  if (typeof msg.topic !== 'string' || msg.topic.length === 0) return 'topic must be a non-empty string';
  if (msg.key !== null && !Buffer.isBuffer(msg.key)) return 'key must be a Buffer or null';
  if (msg.value !== null && !Buffer.isBuffer(msg.value)) return 'value must be a Buffer or null';
  if (msg.timestamp !== undefined && !(Number.isFinite(msg.timestamp) && msg.timestamp >= 0)) return `timestamp must be epoch milliseconds, got ${msg.timestamp}`;
  if (msg.partition !== undefined && !(Number.isInteger(msg.partition) && msg.partition >= 0)) return `partition must be a non-negative integer, got ${msg.partition}`;
  return undefined;
}

/** Backs empty buffers with memory: the binding sends a zero-length buffer without a data pointer as null. */
const EMPTY = Buffer.alloc(1).subarray(0, 0);
function nonNullEmpty(b: Buffer | null): Buffer | null {
  return b !== null && b.length === 0 ? EMPTY : b;
}

/**
 * `produceFlat`, which the binding has once packages/core/patches are applied (scripts/setup.sh,
 * image builds): `produce` with headers as one flat array, and empty buffers sent as empty.
 */
interface FlatProduce {
  produceFlat(topic: string, partition: number | null, value: Buffer | null, key: Buffer | null, timestamp: number | null, opaque: unknown, headers: Array<string | Buffer> | undefined): void;
}

/** Headers as `produceFlat` takes them: name, value, name, value... (values whole, U+0000 included). */
function flatHeaders(headers: Headers | undefined): Array<string | Buffer> | undefined {
  if (!headers) return undefined;
  let out: Array<string | Buffer> | undefined;
  for (const key in headers) (out ??= []).push(key, headers[key]!);
  return out;
}

/**
 * The binding's header shape, one single-property object per header. Made by assignment: an object
 * literal with a computed key (`{ [key]: value }`) costs about three times as much to build, and
 * this runs for every header of every output.
 */
function toRdHeaders(headers: Headers | undefined): MessageHeader[] | undefined {
  if (!headers) return undefined;
  let out: MessageHeader[] | undefined;
  for (const key of Object.keys(headers)) {
    const header: MessageHeader = {};
    const value = headers[key]!;
    // The binding reads a string header value as a C string: one holding U+0000 would end there.
    header[key] = value.includes('\0') ? Buffer.from(value, 'utf8') : value;
    (out ??= []).push(header);
  }
  return out;
}
