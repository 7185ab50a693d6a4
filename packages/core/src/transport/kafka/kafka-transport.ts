import { ConfigError } from '../../errors/config-error.js';
import type { ConsumerOptions, ProducerOptions, Transport, TransportAdmin, TransportConsumer, TransportProducer, TransportReader } from '../transport.js';
import { KafkaAdmin } from './kafka-admin.js';
import { KAFKA_DEFAULTS, adminConfig, bootstrapServers, consumerConfig, producerConfig, type KafkaTransportOptions } from './kafka-config.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { closedError } from './map-kafka-error.js';
import { KafkaProducer } from './kafka-producer.js';
import { KafkaReader } from './kafka-reader.js';

/**
 * The `kafka` Transport: Apache Kafka through librdkafka (@confluentinc/kafka-javascript, native
 * API). Create it with `KafkaTransport.connect`, which fails fast with a ConnectionError naming the
 * brokers when the cluster does not answer within `connectTimeoutMs`, instead of hanging later.
 *
 * When to use: running nodes as separate processes or containers against a real cluster. For one
 * process and tests without a broker use the memory transport; both pass the same conformance suite.
 *
 * @example
 * const transport = await KafkaTransport.connect({ brokers: '127.0.0.1:9092' });
 * await transport.admin().createTopics([{ name: 'images.submitted', partitions: 6 }]);
 * @see Transport
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly address: string;
  private readonly adminClient: KafkaAdmin;
  private readonly producers = new Set<KafkaProducer>();
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly readers = new Set<KafkaReader>();
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private closed: Promise<void> | undefined;

  /** Builds the transport without contacting the cluster; prefer `connect`. Bad options throw ConfigError. */
  constructor(private readonly opts: KafkaTransportOptions) {
    this.address = bootstrapServers(opts.brokers);
    this.connectTimeoutMs = positive(opts.connectTimeoutMs ?? KAFKA_DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
    this.requestTimeoutMs = positive(opts.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs, 'requestTimeoutMs');
    this.adminClient = new KafkaAdmin(adminConfig(opts), {
      address: this.address,
      brokers: this.address.split(','),
      clientId: `${opts.clientId ?? KAFKA_DEFAULTS.clientId}-admin`,
      requestTimeoutMs: this.requestTimeoutMs,
      replicationFactor: opts.replicationFactor ?? KAFKA_DEFAULTS.replicationFactor,
    });
  }

  /** Creates the transport and checks that the cluster answers a metadata request in time. */
  static async connect(opts: KafkaTransportOptions): Promise<KafkaTransport> {
    const t = new KafkaTransport(opts);
    try {
      await t.adminClient.ping(t.connectTimeoutMs);
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  /** The admin client; after `close()` its calls reject with TRANSPORT_CLOSED. */
  admin(): TransportAdmin {
    return this.adminClient;
  }

  async producer(opts: ProducerOptions = {}): Promise<TransportProducer> {
    this.assertOpen();
    const p = await KafkaProducer.connect(this.address, producerConfig(this.opts, opts), this.connectTimeoutMs, this.requestTimeoutMs);
    this.producers.add(p);
    return wrapClose(p, () => this.producers.delete(p));
  }

  async consumer(opts: ConsumerOptions): Promise<TransportConsumer> {
    this.assertOpen();
    const c = await KafkaConsumer.connect(this.address, consumerConfig(this.opts, opts), this.connectTimeoutMs);
    this.consumers.add(c);
    return wrapClose(c, () => this.consumers.delete(c));
  }

  /** A group-less reader of explicit partitions (store restore, `vision-flow tail`). */
  async reader(opts: { clientId?: string } = {}): Promise<TransportReader> {
    this.assertOpen();
    const r = await KafkaReader.connect(this.opts, this.address, opts.clientId, this.connectTimeoutMs);
    this.readers.add(r);
    return wrapClose(r, () => this.readers.delete(r));
  }

  /** Closes consumers first (they leave the group), then producers (they flush), then the admin client. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.consumers, ...this.readers].map((c) => c.close()));
      await Promise.allSettled([...this.producers].map((p) => p.close()));
      this.consumers.clear();
      this.readers.clear();
      this.producers.clear();
      this.adminClient.close();
    })();
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError('transport', this.address);
  }
}

/** Forgets a client in the transport's registry once the caller closes it. */
function wrapClose<T extends { close(): Promise<void> }>(client: T, forget: () => void): T {
  const close = client.close.bind(client);
  client.close = () => close().finally(forget);
  return client;
}

function positive(v: number, option: string): number {
  if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(`kafka: ${option} must be a positive number of milliseconds, got ${v}`, { option });
  return v;
}
