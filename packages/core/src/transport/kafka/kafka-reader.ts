import { randomUUID } from 'node:crypto';
import type { IncomingMessage, TopicPartitionOffset, TransportReader } from '../transport.js';
import { commonConfig, type KafkaTransportOptions } from './kafka-config.js';
import { TRANSIENT, toIncoming } from './kafka-consumer.js';
import { closedError, mapKafkaError } from './map-kafka-error.js';
import { RdConsumer, type ConsumerGlobalConfig, type Message } from './rdkafka.js';

type Native = InstanceType<typeof RdConsumer> & { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void };

/** Longest single native consume(); it holds a libuv pool thread for its whole wait. */
const CONSUME_SLICE_MS = 100;

/**
 * A group-less reader of explicit partitions on librdkafka's `assign()`: restores state stores from
 * their changelogs and backs `vision-flow tail`. It never joins a group nor commits, so it cannot
 * disturb the offsets of the nodes whose topics it reads.
 */
export class KafkaReader implements TransportReader {
  private closing: Promise<void> | undefined;
  private consuming: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly native: Native,
    private readonly address: string,
  ) {}

  static async connect(opts: KafkaTransportOptions, address: string, clientId: string | undefined, connectTimeoutMs: number): Promise<KafkaReader> {
    const native = new RdConsumer(
      {
        ...commonConfig(opts, 'reader', clientId),
        // librdkafka wants a group id even for assign(); a unique one that never joins or commits.
        'group.id': `vision-flow-reader-${randomUUID()}`,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'fetch.wait.max.ms': 100,
        ...opts.librdkafka,
      } as ConsumerGlobalConfig,
      {},
    ) as Native;
    native.on('event.error', () => undefined); // surfaced through consume()
    try {
      await new Promise<void>((resolve, reject) => native.connect({ timeout: connectTimeoutMs }, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      native.disconnect(() => undefined);
      throw mapKafkaError(e, { address, operation: 'connect reader', timeoutMs: connectTimeoutMs });
    }
    native.setDefaultIsTimeoutOnlyForFirstMessage(true);
    return new KafkaReader(native, address);
  }

  async assign(partitions: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closing) throw closedError('reader', this.address);
    await this.consuming;
    this.native.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
  }

  async poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closing) return [];
      const raw = await this.consume(max, Math.min(Math.max(0, deadline - Date.now()), CONSUME_SLICE_MS));
      if (raw.length > 0 || Date.now() >= deadline) return raw.map(toIncoming);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.consuming.then(
      () => new Promise<void>((resolve) => this.native.disconnect(() => resolve())),
    );
    return this.closing;
  }

  private consume(max: number, timeoutMs: number): Promise<Message[]> {
    const run = this.consuming.then(
      () =>
        new Promise<Message[]>((resolve, reject) => {
          this.native.setDefaultConsumeTimeout(timeoutMs);
          this.native.consume(max, (err, messages) => {
            if (!err) return resolve(messages ?? []);
            if (err.isFatal || !TRANSIENT.has(err.code)) return reject(mapKafkaError(err, { address: this.address, operation: 'read' }));
            setTimeout(() => resolve([]), Math.min(50, timeoutMs));
          });
        }),
    );
    this.consuming = run.catch(() => undefined);
    return run;
  }
}
