import type { ConsumerOptions, ProducerOptions, Transport } from '../transport.js';
import { MemoryAdmin } from './memory-admin.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryErrors } from './memory-errors.js';
import { MemoryProducer } from './memory-producer.js';
import { MemoryReader } from './memory-reader.js';

export interface MemoryTransportOptions {
  /** The broker to talk to; transports sharing one see the same topics and groups. Default: a new one (with `dropCommitted`). */
  readonly broker?: MemoryBroker;
  /** For a new broker: see MemoryBrokerOptions.dropCommitted. */
  readonly dropCommitted?: boolean;
  /** For a new broker: see MemoryBrokerOptions.maxTopicBytes. */
  readonly maxTopicBytes?: number;
}

/**
 * The embedded transport: an in-process broker with Kafka's semantics (partitions, offsets,
 * murmur2 key partitioning, consumer groups with cooperative rebalancing, committed offsets).
 * The default for `vision-flow run` and for tests.
 *
 * When to use: one process, or tests that need real group behaviour without a broker. Give
 * several transports one `MemoryBroker` to stand for several processes.
 *
 * @example
 * const broker = new MemoryBroker();
 * const a = new MemoryTransport({ broker }), b = new MemoryTransport({ broker });
 * await a.admin().createTopics([{ name: 'images', partitions: 6 }]);
 * @see MemoryBroker.groupLag
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly address = 'memory';
  readonly broker: MemoryBroker;
  private readonly producers = new Set<MemoryProducer>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly readers = new Set<MemoryReader>();
  private readonly adminClient: MemoryAdmin;
  private closed = false;

  constructor(opts: MemoryTransportOptions = {}) {
    this.broker = opts.broker ?? new MemoryBroker({ dropCommitted: opts.dropCommitted ?? false, ...(opts.maxTopicBytes === undefined ? {} : { maxTopicBytes: opts.maxTopicBytes }) });
    this.adminClient = new MemoryAdmin(this.broker, () => this.assertOpen());
  }

  admin(): MemoryAdmin {
    return this.adminClient;
  }

  async producer(opts?: ProducerOptions): Promise<MemoryProducer> {
    this.assertOpen();
    const p = new MemoryProducer(this.broker, opts, (x) => this.producers.delete(x));
    this.producers.add(p);
    return p;
  }

  async consumer(opts: ConsumerOptions): Promise<MemoryConsumer> {
    this.assertOpen();
    const c = new MemoryConsumer(this.broker, opts, (x) => this.consumers.delete(x));
    this.consumers.add(c);
    return c;
  }

  async reader(): Promise<MemoryReader> {
    this.assertOpen();
    const r = new MemoryReader(this.broker, (x) => this.readers.delete(x));
    this.readers.add(r);
    return r;
  }

  /** Closes every consumer (each leaves its group, running `onRevoked`) and producer (flushing it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.readers].map((r) => r.close()));
    await Promise.all([...this.consumers].map((c) => c.close()));
    await Promise.all([...this.producers].map((p) => p.close()));
  }

  /**
   * Simulates the process dying: consumers stop without leaving their groups (no `onRevoked`, no
   * commit), so their partitions move only after each one's sessionTimeoutMs, and redelivery
   * starts at the last committed offsets; producers drop what they have not appended yet.
   */
  crash(): void {
    this.closed = true;
    for (const c of [...this.consumers]) c.crash();
    for (const p of [...this.producers]) p.crash();
  }

  private assertOpen(): void {
    if (this.closed) throw MemoryErrors.closed('transport', this.address);
  }
}
