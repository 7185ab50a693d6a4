import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** A message that cannot be decoded whatever we retry: not Confluent-framed, an unknown schema id, or not Avro of its schema. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
}

/**
 * Decodes Kafka values in the Confluent wire format (a zero magic byte, the writer schema's 4-byte
 * registry id, then the Avro body) with @kafkajs/confluent-schema-registry, which fetches each
 * schema once by id from any Confluent-compatible registry.
 *
 * Sorts its failures for the caller: a registry that cannot be reached rejects with the library's
 * error (worth retrying); bytes that cannot be decoded reject with UndecodableMessageError.
 */
export class RegistryDecoder {
  private readonly registry: SchemaRegistry;

  constructor(readonly registryUrl: string) {
    this.registry = new SchemaRegistry({ host: registryUrl.replace(/\/+$/, '') });
  }

  async decode(bytes: Buffer): Promise<unknown> {
    if (bytes.length < 5 || bytes[0] !== 0) {
      throw new UndecodableMessageError(`not Confluent-framed Avro (${bytes.length} bytes, starting ${bytes.subarray(0, 5).toString('hex')})`);
    }
    const id = bytes.readUInt32BE(1);
    try {
      return await this.registry.decode(bytes);
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      if (status === 404) throw new UndecodableMessageError(`schema ${id} is not in the registry at ${this.registryUrl}`);
      // Any other answer (or none) from the registry is its problem, not the message's: retry.
      if (typeof status === 'number' || isNetworkError(e)) throw new Error(`registry ${this.registryUrl}: ${describe(e)}`);
      // What is left comes from avsc reading the body.
      throw new UndecodableMessageError(`not Avro of schema ${id}: ${describe(e)}`);
    }
  }
}

function isNetworkError(e: unknown): boolean {
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed/i.test(describe(e));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
