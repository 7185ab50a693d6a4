import { errorMessage } from '../errors/vision-flow-error.js';
import { delay } from '../internal/delay.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import { StreamRecord } from '../records/record.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { IncomingMessage, Transport, TransportProducer, TransportReader } from '../transport/transport.js';
import { instancesTopic, type InstanceInfo } from './instances-topic.js';

export interface InstanceDirectoryOptions {
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  readonly topology: string;
  readonly node: string;
  readonly log?: (message: string) => void;
}

/**
 * The instances of one node and the partitions each holds, as read from its instances topic
 * (Kafka Streams' StreamsMetadata). `open` reads it to its end once; `follow` keeps reading in
 * the background, so a running instance always knows where every partition lives.
 */
export class InstanceDirectory {
  private readonly serde: TopicSerde<string, InstanceInfo>;
  private readonly known = new Map<string, InstanceInfo>();
  private reader: TransportReader | undefined;
  private producer: TransportProducer | undefined;
  private following: Promise<void> | undefined;
  private closed = false;
  private readonly stopping = new AbortController();

  private constructor(private readonly opts: InstanceDirectoryOptions) {
    this.serde = new TopicSerde(instancesTopic(opts.topology, opts.node), opts.registry);
  }

  /** Creates the topic if needed and reads what it holds now. */
  static async open(opts: InstanceDirectoryOptions): Promise<InstanceDirectory> {
    const d = new InstanceDirectory(opts);
    const t = d.serde.topic;
    await opts.transport.admin().createTopics([{ name: t.name, partitions: t.partitions, compacted: true }]);
    await d.serde.register();
    if (!opts.transport.reader) throw new Error(`the ${opts.transport.kind} transport cannot read topics without a group`);
    d.reader = await opts.transport.reader({ clientId: `${t.name}-reader` });
    await d.reader.assign([{ topic: t.name, partition: 0, offset: 0 }]);
    await d.catchUp();
    return d;
  }

  get topic(): string {
    return this.serde.topic.name;
  }

  /** Every running instance, by id. */
  instances(): InstanceInfo[] {
    return [...this.known.values()];
  }

  /** The instance holding `partition`: of several claims (one died without saying so), the newest. */
  ownerOf(partition: number): InstanceInfo | undefined {
    let owner: InstanceInfo | undefined;
    for (const i of this.known.values()) if (i.partitions.includes(partition) && (!owner || i.updatedAt > owner.updatedAt)) owner = i;
    return owner;
  }

  /** Keeps reading in the background until `close`. */
  follow(): void {
    this.following ??= (async () => {
      while (!this.closed) {
        try {
          await this.apply(await this.reader!.poll(100, 250));
        } catch (e) {
          if (!this.closed) this.opts.log?.(`${this.opts.node}: reading ${this.topic} failed: ${errorMessage(e)}`);
          await delay(1000, this.stopping.signal);
        }
      }
    })();
  }

  /** Writes this instance's entry (null: it is leaving). */
  async publish(instanceId: string, info: InstanceInfo | null): Promise<void> {
    this.producer ??= await this.opts.transport.producer({ clientId: `${this.topic}-${instanceId}` });
    await this.producer.send(this.serde.toMessage(new StreamRecord<string, InstanceInfo>({ key: instanceId, value: info as InstanceInfo, timestamp: Date.now() })));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    await this.following;
    await this.reader?.close().catch(() => undefined);
    await this.producer?.close().catch(() => undefined);
  }

  private async catchUp(): Promise<void> {
    const [end] = await this.opts.transport.admin().endOffsets(this.topic);
    // Bounded: a broker slow to answer gives a directory of what came in time, not a hang.
    const deadline = Date.now() + 10_000;
    let next = 0;
    while (next < (end?.offset ?? 0) && Date.now() < deadline) {
      const batch = await this.reader!.poll(500, 500);
      await this.apply(batch);
      if (batch.length > 0) next = batch.at(-1)!.offset + 1;
    }
  }

  private async apply(batch: readonly IncomingMessage[]): Promise<void> {
    for (const m of batch) {
      const rec = await this.serde.fromMessage(m);
      if (rec.value === null) this.known.delete(rec.key);
      else this.known.set(rec.key, rec.value);
    }
  }
}
