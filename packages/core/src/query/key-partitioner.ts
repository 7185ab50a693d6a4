import type avsc from 'avsc';
import { AvroType } from '../serde/avro/avro-type.js';
import type { AnyTopic } from '../dsl/topic.js';
import { murmur2Partition } from '../internal/murmur2.js';
import { sameSchema } from '../serde/avro/compatibility.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import { toAvroJson, type AvroJson } from '../serde/avro/schema.js';
import type { TransportAdmin } from '../transport/transport.js';

/**
 * The input partition of a key, as the producer that wrote the node's input picked it:
 * murmur2 of the key's bytes in the Confluent wire format (magic byte, the schema id the writer
 * registered under `<topic>-key`, Avro body) mod the topic's partitions. A store keyed like its
 * node's input (every aggregation is) holds a key in the task of that partition.
 */
export class KeyPartitioner {
  private readonly json: AvroJson;
  private readonly type: avsc.Type;
  private schemaId: number | undefined;
  private partitions: number | undefined;

  constructor(
    private readonly input: AnyTopic,
    private readonly registry: SchemaRegistry,
    private readonly admin: TransportAdmin,
  ) {
    this.json = toAvroJson(input.key);
    this.type = AvroType.forSchema(this.json as avsc.Schema);
  }

  /** The key's partition; undefined when no producer has registered the key schema yet (so no key was written). */
  async partitionOf(key: unknown): Promise<number | undefined> {
    if (!this.type.isValid(key)) return undefined;
    if (this.schemaId === undefined) {
      const versions = await this.registry.versions(`${this.input.name}-key`);
      // The writer's id: the version equal to our schema, else the newest.
      this.schemaId = (versions.find((v) => sameSchema(v.schema, this.json)) ?? versions.at(-1))?.id;
      if (this.schemaId === undefined) return undefined;
    }
    this.partitions ??= (await this.admin.describeTopic(this.input.name))?.partitions ?? this.input.partitions;
    const body = this.type.toBuffer(key);
    const bytes = Buffer.allocUnsafe(5 + body.length);
    bytes[0] = 0;
    bytes.writeUInt32BE(this.schemaId, 1);
    body.copy(bytes, 5);
    return murmur2Partition(bytes, this.partitions);
  }
}
