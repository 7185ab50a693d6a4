import { routedTopic, type AnyTopicRouter } from '../../dsl/topic-router.js';
import { PoisonRecordError } from '../../errors/poison-record-error.js';
import { isStreamRecord } from '../../records/record.js';
import type { SchemaRegistry } from '../../serde/avro/schema-registry.js';
import { TopicSerde } from '../../serde/topic-serde.js';
import type { TransportAdmin } from '../../transport/transport.js';

type AnySerde = TopicSerde<unknown, unknown>;

/**
 * The serdes of a routed output (`.to(perTenant(analyses))`): one per topic the router names,
 * made on the first record for it after creating the topic and registering the template's
 * schemas under its subjects. Known topics are ready before the first record.
 */
export class RoutedTopics {
  private readonly ready = new Map<string, AnySerde>();
  private readonly making = new Map<string, Promise<AnySerde>>();
  /** Encodes what is not a record, so the output's NOT_A_RECORD check answers as for a plain topic. */
  readonly template: AnySerde;

  constructor(
    private readonly router: AnyTopicRouter,
    private readonly registry: SchemaRegistry,
    private readonly admin: TransportAdmin,
  ) {
    this.template = new TopicSerde(router.template, registry);
  }

  /** Registers the known topics' schemas (the node created the topics with its others). */
  async prepare(): Promise<void> {
    for (const t of this.router.known) {
      const serde = new TopicSerde(t, this.registry);
      await serde.register();
      this.ready.set(t.name, serde);
    }
  }

  /**
   * The serde of `rec`'s topic: at once when ready, else a promise (the topic is being made).
   * Throws the router's PoisonRecordError for a record that has no topic.
   */
  serdeFor(rec: unknown): AnySerde | Promise<AnySerde> {
    if (!isStreamRecord(rec)) return this.template;
    const name = this.router.topicName(rec);
    const serde = this.ready.get(name);
    if (serde) return serde;
    if (!this.router.createOnUse) {
      throw new PoisonRecordError('TOPIC_NOT_ROUTED', `${this.router.name}: topic "${name}" is not one of the known topics (${this.router.known.map((t) => t.name).join(', ')}), and this router creates none`, { topic: name });
    }
    let made = this.making.get(name);
    if (!made) {
      made = this.make(name);
      this.making.set(name, made);
      // A failure (broker or registry down) is retriable: the next record for this topic tries again.
      made.then((s) => this.ready.set(name, s), () => undefined).finally(() => this.making.delete(name));
    }
    return made;
  }

  private async make(name: string): Promise<AnySerde> {
    const t = routedTopic(this.router.template, name);
    await this.admin.createTopics([{ name: t.name, partitions: t.partitions, compacted: t.compacted, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes }]);
    const serde = new TopicSerde(t, this.registry);
    await serde.register();
    return serde;
  }
}
