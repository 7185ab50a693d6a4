import type avsc from 'avsc';
import { AvroType } from './avro-type.js';
import { SerdeError } from '../serde-error.js';
import type { SchemaRegistry } from './schema-registry.js';

/**
 * Decodes Confluent-framed Avro with whatever schema wrote it, without a reader schema of our
 * own: for tools that inspect any topic (`vision-flow tail`). Types are cached per schema id.
 */
export class WriterSchemaDecoder {
  private readonly types = new Map<number, Promise<avsc.Type>>();

  constructor(private readonly registry: SchemaRegistry) {}

  async decode(bytes: Buffer): Promise<unknown> {
    if (bytes.length < 5 || bytes.readUInt8(0) !== 0) throw new SerdeError('NOT_CONFLUENT_AVRO', `${bytes.length} bytes that are not Confluent Avro (no zero magic byte and schema id)`);
    const id = bytes.readUInt32BE(1);
    let type = this.types.get(id);
    if (!type) {
      type = this.registry.schemaById(id).then((json) => AvroType.forSchema(json as avsc.Schema));
      this.types.set(id, type);
      type.catch(() => this.types.delete(id));
    }
    try {
      return (await type).fromBuffer(bytes.subarray(5));
    } catch (e) {
      throw new SerdeError('AVRO_DECODE_FAILED', `cannot decode ${bytes.length} bytes with writer schema id ${id}: ${(e as Error).message}`, { schemaId: id }, e);
    }
  }
}
