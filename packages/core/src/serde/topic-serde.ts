import type { Topic } from '../dsl/topic.js';
import type { Headers } from '../records/headers.js';
import { StreamRecord } from '../records/record.js';
import type { IncomingMessage, OutgoingMessage } from '../transport/transport.js';
import { AvroSerde, UNKNOWN_WRITER } from './avro/avro-serde.js';
import type { SchemaRegistry } from './avro/schema-registry.js';
import type { BytesAs } from './avro/view-decode.js';
import { SerdeError } from './serde-error.js';

/**
 * Key and value serdes of one topic under the TopicNameStrategy subjects `<topic>-key` and
 * `<topic>-value`. A null key or value stays null on the wire (a null value is a tombstone).
 */
export class TopicSerde<K, V> {
  readonly key: AvroSerde<K>;
  readonly value: AvroSerde<V>;

  constructor(
    readonly topic: Topic<K, V>,
    registry: SchemaRegistry,
  ) {
    this.key = new AvroSerde(registry, `${topic.name}-key`, topic.key);
    this.value = new AvroSerde(registry, `${topic.name}-value`, topic.value);
  }

  async register(): Promise<void> {
    await this.key.register();
    await this.value.register();
  }

  /** The record as it goes on the wire; `headers` replace the record's own (the runtime adds its trace headers). */
  toMessage(rec: StreamRecord<K, V>, headers: Headers = rec.headers): OutgoingMessage {
    return {
      topic: this.topic.name,
      key: rec.key === null || rec.key === undefined ? null : this.key.encode(rec.key),
      value: rec.value === null || rec.value === undefined ? null : this.value.encode(rec.value),
      headers,
      timestamp: rec.timestamp,
    };
  }

  /**
   * A record a node consumes: as fromMessage, but a null key or value (a tombstone) is refused with
   * NULL_KEY / NULL_VALUE unless the topic's schema admits null, so that no operator is handed a
   * null its types say cannot occur. (Changelog restores read tombstones through fromMessage.)
   *
   * Its `bytes` values are views of the consumed message, not copies (see `avro.bytes()`): a record
   * lives as long as its work, and a value an operator keeps (in a store, a cache) keeps the
   * consumed buffer alive, on Kafka a 16 KiB one shared by a batch's small messages (avsc's copies
   * shared 4 KiB ones; Node's pooled buffers share 8 KiB).
   */
  async fromInput(msg: IncomingMessage): Promise<StreamRecord<K, V>> {
    this.checkNulls(msg);
    return this.decoded(msg, 'view');
  }

  /**
   * `fromInput` without waiting, when both writer schemas are known already (every record after
   * the first of a schema); undefined when one must be fetched first. Throws as `fromInput`.
   */
  fromInputIfKnown(msg: IncomingMessage): StreamRecord<K, V> | undefined {
    this.checkNulls(msg);
    const key = msg.key === null ? (null as K) : this.key.decodeIfKnown(msg.key, 'view');
    if (key === UNKNOWN_WRITER) return undefined;
    const value = msg.value === null ? (null as V) : this.value.decodeIfKnown(msg.value, 'view');
    if (value === UNKNOWN_WRITER) return undefined;
    return this.record(msg, key, value);
  }

  private checkNulls(msg: IncomingMessage): void {
    if (msg.key === null && !this.key.acceptsNull) {
      throw new SerdeError('NULL_KEY', `record on ${this.key.subject} has a null key, which its schema does not admit; produce every record of ${this.topic.name} with a key`, { subject: this.key.subject });
    }
    if (msg.value === null && !this.value.acceptsNull) {
      throw new SerdeError('NULL_VALUE', `record on ${this.value.subject} has a null value (a tombstone), which its schema does not admit; ${this.topic.name} takes records, not deletes`, { subject: this.value.subject });
    }
  }

  /** The record a message holds, its `bytes` values copied (for restores, which keep what they read). */
  fromMessage(msg: IncomingMessage): Promise<StreamRecord<K, V>> {
    return this.decoded(msg, 'copy');
  }

  private async decoded(msg: IncomingMessage, bytesAs: BytesAs): Promise<StreamRecord<K, V>> {
    const key = msg.key === null ? (null as K) : await this.key.decode(msg.key, bytesAs);
    const value = msg.value === null ? (null as V) : await this.value.decode(msg.value, bytesAs);
    return this.record(msg, key, value);
  }

  private record(msg: IncomingMessage, key: K, value: V): StreamRecord<K, V> {
    return new StreamRecord({ key, value, timestamp: msg.timestamp, headers: msg.headers, source: { topic: msg.topic, partition: msg.partition, offset: msg.offset } });
  }
}
