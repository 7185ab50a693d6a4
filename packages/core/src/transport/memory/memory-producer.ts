import { setImmediate as nextTurn } from 'node:timers/promises';
import { TimeoutError } from '../../errors/timeout-error.js';
import type { Headers } from '../../records/headers.js';
import type { DeliveryCallback, DeliveryReport, OutgoingMessage, ProducerOptions, TransportProducer } from '../transport.js';
import { murmur2Partition } from '../../internal/murmur2.js';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryErrors } from './memory-errors.js';
import { waitForAny } from './signal.js';
import { recordBatchBytes } from '../record-size.js';

/**
 * A producer on the memory broker. `send` does its work on a later turn of the event loop, so
 * the caller sees the same ordering hazards as with a networked client (the promise is never
 * already settled when `send` returns), while messages from one producer are still appended in
 * the order they were sent, as Kafka's idempotent producer keeps them.
 *
 * Partitioning matches the Java client: an explicit partition, else `murmur2(key)` for a keyed
 * message (`toPositive(murmur2(key)) % partitions`), else round robin per topic for a null key.
 */
export class MemoryProducer implements TransportProducer {
  readonly clientId: string;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly nextPartition = new Map<string, number>();
  /** Settles when the message sent before has been appended (or failed). */
  private admitted: Promise<void> = Promise.resolve();
  private closed = false;
  private crashed = false;

  constructor(
    private readonly broker: MemoryBroker,
    opts: ProducerOptions = {},
    private readonly onClosed: (p: MemoryProducer) => void = () => undefined,
  ) {
    this.clientId = opts.clientId ?? 'vision-flow-producer';
  }

  send(msg: OutgoingMessage): Promise<DeliveryReport> {
    const p = this.deliver(msg);
    this.pending.add(p);
    const forget = (): void => {
      this.pending.delete(p);
    };
    p.then(forget, forget);
    return p;
  }

  produce(msg: OutgoingMessage, onDelivery: DeliveryCallback): void {
    this.send(msg).then(
      (report) => onDelivery(undefined, report),
      (e: unknown) => onDelivery(e instanceof Error ? e : new Error(String(e)), undefined),
    );
  }

  async flush(timeoutMs?: number): Promise<void> {
    const all = Promise.allSettled([...this.pending]).then(() => undefined);
    if (timeoutMs === undefined) return all;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`flush: ${this.pending.size} messages still unacknowledged after ${timeoutMs} ms`, timeoutMs, { clientId: this.clientId })), timeoutMs);
    });
    try {
      await Promise.race([all, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.onClosed(this);
  }

  /** Drops the producer as a killed process would: messages not yet appended are lost. */
  crash(): void {
    this.closed = true;
    this.crashed = true;
    this.onClosed(this);
  }

  private async deliver(msg: OutgoingMessage): Promise<DeliveryReport> {
    if (this.closed) throw MemoryErrors.closed('producer', this.clientId);
    const key = toBuffer(msg.key, 'key');
    const value = toBuffer(msg.value, 'value');
    const headers = Object.freeze({ ...(msg.headers ?? {}) }) as Headers;
    const timestamp = msg.timestamp ?? Date.now();
    if (!Number.isFinite(timestamp)) throw MemoryErrors.invalidArgument(`send: timestamp must be epoch milliseconds, got ${msg.timestamp}`);

    await nextTurn();
    if (this.crashed) throw MemoryErrors.closed('producer', this.clientId);
    const turn = this.admitted.then(() => this.append(msg, key, value, headers, timestamp));
    this.admitted = turn.then(noop, noop);
    return turn;
  }

  /** Appends once the topic has room (its readers have fetched enough); one message at a time per producer, so they keep their order. */
  private async append(msg: OutgoingMessage, key: Buffer | null, value: Buffer | null, headers: Headers, timestamp: number): Promise<DeliveryReport> {
    let topic = this.broker.topic(msg.topic);
    while (topic && this.broker.isFull(topic)) {
      await waitForAny(topic.partitions.map((log) => log.fetchedMore), ROOM_RECHECK_MS);
      if (this.crashed) throw MemoryErrors.closed('producer', this.clientId);
      topic = this.broker.topic(msg.topic);
    }
    if (!topic) throw MemoryErrors.unknownTopic(msg.topic);
    const size = recordBatchBytes(key, value, headers); // so a message that fits here also fits a real broker
    if (size > topic.maxMessageBytes) throw MemoryErrors.messageTooLarge(msg.topic, size, topic.maxMessageBytes);

    const partitions = topic.partitions.length;
    const partition = msg.partition ?? (key !== null ? murmur2Partition(key, partitions) : this.roundRobin(msg.topic, partitions));
    const log = topic.partitions[partition];
    if (!Number.isInteger(partition) || !log) throw MemoryErrors.unknownPartition(msg.topic, partition, partitions);

    const offset = log.append({ key, value, headers, timestamp: Math.trunc(timestamp) });
    return { topic: msg.topic, partition, offset };
  }

  private roundRobin(topic: string, partitions: number): number {
    const n = this.nextPartition.get(topic) ?? 0;
    this.nextPartition.set(topic, n + 1);
    return n % partitions;
  }
}

/** A producer waiting for room looks again at least this often (the topic may lose its readers). */
const ROOM_RECHECK_MS = 500;
const noop = (): void => undefined;

/** Copies the caller's bytes: a caller that reuses its buffer after `send` must not change the log. */
function toBuffer(b: Buffer | Uint8Array | null | undefined, what: string): Buffer | null {
  if (b === null || b === undefined) return null;
  if (!(b instanceof Uint8Array)) throw MemoryErrors.invalidArgument(`send: ${what} must be a Buffer or null`);
  return Buffer.from(b);
}

