import { tpKey, type TopicPartitionKey } from '../topic-partition-key.js';
import type { IncomingMessage, TopicPartitionOffset, TransportReader } from '../transport.js';
import { readerConfig, type KafkaTransportOptions } from './kafka-config.js';
import { closedError, mapKafkaError } from './map-kafka-error.js';
import { closeNativeConsumer, ConsumeQueue, consumeSlice, openNativeConsumer, type NativeConsumer } from './native-consumer.js';
import { ReplaceableHandle, withCutOffStats } from './replaceable-handle.js';

/**
 * A group-less reader of explicit partitions on librdkafka's `assign()`: restores state stores from
 * their changelogs and backs `vision-flow tail`. It never joins a group nor commits, so it cannot
 * disturb the offsets of the nodes whose topics it reads.
 *
 * A handle cut off from the cluster for good (see cut-off-watch.ts; seen after a broker restart)
 * would read nothing ever again: it is replaced by a new one, assigned where the old one had got to,
 * so a `tail` that follows a topic across a broker restart goes on without a gap or a repeat.
 */
export class KafkaReader implements TransportReader {
  private closing: Promise<void> | undefined;
  /** Per assigned partition, where to read next: the offset assigned, then one past the last record returned. */
  private readonly positions = new Map<TopicPartitionKey, TopicPartitionOffset>();
  private readonly handle: ReplaceableHandle<NativeConsumer>;
  private readonly consumer: ConsumeQueue;

  private constructor(
    private readonly address: string,
    open: () => Promise<NativeConsumer>,
  ) {
    this.handle = new ReplaceableHandle<NativeConsumer>({
      open,
      closing: () => this.closing !== undefined,
      // Reads on from the same positions; they are final once the consume() under way has returned.
      carryOver: async (fresh) => {
        await this.consumer.idle();
        fresh.assign([...this.positions.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset })));
        return true;
      },
      retire: (old) => void closeNativeConsumer(old, false),
    });
    this.consumer = new ConsumeQueue(() => this.handle.current, (err) => mapKafkaError(err, { address, operation: 'read' }));
  }

  static async connect(opts: KafkaTransportOptions, address: string, clientId: string | undefined, connectTimeoutMs: number): Promise<KafkaReader> {
    const open = () => openNativeConsumer(withCutOffStats(readerConfig(opts, clientId)), { address, operation: 'connect reader', timeoutMs: connectTimeoutMs });
    const reader = new KafkaReader(address, open);
    reader.handle.start(await open());
    return reader;
  }

  async assign(partitions: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closing) throw closedError('reader', this.address);
    await this.handle.replacing;
    await this.consumer.idle();
    this.handle.current.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    this.positions.clear();
    for (const p of partitions) this.positions.set(tpKey(p), { topic: p.topic, partition: p.partition, offset: p.offset });
  }

  async poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closing) return [];
      const msgs = await this.consumer.consume(max, consumeSlice(deadline));
      for (const m of msgs) this.positions.set(tpKey(m), { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
      if (msgs.length > 0 || Date.now() >= deadline) return msgs;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.handle.replacing; // gives up connecting a new handle once `closing` is set
      await this.consumer.idle();
      await closeNativeConsumer(this.handle.current, false);
    })();
    return this.closing;
  }
}
