import type { MemoryBroker } from '../transport/memory/memory-broker.js';
import type { IncomingMessage } from '../transport/transport.js';

/** Turns one message of a captured topic into what tests read (a record, a dead letter). */
export type CaptureDecoder = (msg: IncomingMessage) => Promise<unknown>;

interface Appended {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Everything written to some topics of a memory broker, in the order it was appended across all
 * their partitions (Kafka's TopologyTestDriver has one partition per topic, so its output order is
 * the order of production; here a node's outputs spread over partitions and this keeps that order).
 * Appends are noted as they happen and decoded by `collect()`.
 */
export class OutputCapture {
  private readonly appended: Appended[] = [];
  private collected = 0;
  private readonly items = new Map<string, unknown[]>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly broker: MemoryBroker,
    private readonly decoders: ReadonlyMap<string, CaptureDecoder>,
  ) {
    for (const name of decoders.keys()) {
      const topic = broker.topic(name);
      if (!topic) throw new Error(`output capture: topic "${name}" does not exist yet; create the topics first`);
      this.items.set(name, []);
      for (const log of topic.partitions) {
        // The signal fires right after the record is pushed, so the last offset is the new one.
        this.unsubscribe.push(log.appended.subscribe(() => this.appended.push({ topic: name, partition: log.partition, offset: log.highWatermark - 1 })));
      }
    }
  }

  captures(topic: string): boolean {
    return this.items.has(topic);
  }

  /** Decodes what was appended since the last call, in append order. */
  async collect(): Promise<void> {
    while (this.collected < this.appended.length) {
      const at = this.appended[this.collected]!;
      const [rec] = this.broker.partitionLog(at.topic, at.partition)?.read(at.offset, 1) ?? [];
      if (rec) {
        const msg: IncomingMessage = { topic: at.topic, partition: at.partition, offset: rec.offset, key: rec.key, value: rec.value, headers: rec.headers, timestamp: rec.timestamp };
        this.items.get(at.topic)!.push(await this.decoders.get(at.topic)!(msg));
      }
      this.collected++;
    }
  }

  /** Every item of `topic` collected so far, oldest first. */
  all(topic: string): readonly unknown[] {
    return this.items.get(topic) ?? [];
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
