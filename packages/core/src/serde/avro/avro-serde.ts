import type avsc from 'avsc';
import { AvroType } from './avro-type.js';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import { SerdeError } from '../serde-error.js';
import type { SchemaRegistry } from './schema-registry.js';
import { toAvroJson, type AvroSchema, type AvroJson } from './schema.js';
import { decodeWithViews, type BytesAs } from './view-decode.js';

const MAGIC = 0;
const HEADER_BYTES = 5;
const ARENA_BYTES = 32 * 1024;
/** The arena before the first encode: too short for any record, so the first one makes a real one. */
const EMPTY_ARENA = Buffer.alloc(0);

/** `decodeIfKnown`'s answer when the writer schema has not been fetched yet. */
export const UNKNOWN_WRITER: unique symbol = Symbol('unknown writer schema');

/**
 * Avro in the Confluent wire format: a zero magic byte, the writer schema's 4-byte registry id,
 * then the Avro binary body. Decoding resolves the writer schema (fetched by id, cached) into
 * this serde's reader schema, so older and newer producers interoperate.
 */
export class AvroSerde<T> {
  readonly json: AvroJson;
  private readonly type: avsc.Type;
  private schemaId: number | undefined;
  private readonly resolvers = new Map<number, Promise<avsc.Resolver | undefined>>();
  /** The resolvers built so far, for `decodeIfKnown`; undefined: the writer schema is this one. */
  private readonly builtResolvers = new Map<number, avsc.Resolver | undefined>();
  /**
   * Where `encode` writes its records one after the other, each returned as a view of its own bytes:
   * no copy, and one allocation per ~32 KiB of records (an ArrayBuffer costs microseconds to make).
   * Encoded messages live briefly (a producer copies them in, the memory transport too), so a
   * record kept alive keeps at most this much with it. A record larger than half of it gets a
   * buffer of its own.
   */
  private arena = EMPTY_ARENA;
  /** Where the next record goes in `arena`. */
  private at = 0;

  constructor(
    private readonly registry: SchemaRegistry,
    readonly subject: string,
    schema: AvroSchema<T>,
  ) {
    this.json = toAvroJson(schema);
    this.type = AvroType.forSchema(this.json as avsc.Schema);
  }

  /** Registers the schema under the subject (refused when incompatible) and remembers its id. */
  async register(): Promise<number> {
    this.schemaId = await this.registry.register(this.subject, this.json);
    this.resolvers.set(this.schemaId, Promise.resolve(undefined));
    this.builtResolvers.set(this.schemaId, undefined);
    return this.schemaId;
  }

  get id(): number | undefined {
    return this.schemaId;
  }

  /** Whether the schema admits null (`null`, or a union with it): only then may the wire carry a null. */
  get acceptsNull(): boolean {
    return this.type.isValid(null);
  }

  encode(value: T): Buffer {
    if (this.schemaId === undefined) throw new Error(`AvroSerde(${this.subject}): register() must run before encode()`);
    let end: number;
    try {
      end = this.type.encode(value, this.arena, this.at + HEADER_BYTES);
      if (end < 0) {
        // avsc answers a short buffer with minus the bytes missing: this record needs `size` bytes
        const size = this.arena.length - end - this.at;
        this.arena = Buffer.allocUnsafeSlow(size > ARENA_BYTES / 2 ? size : ARENA_BYTES);
        this.at = 0;
        end = this.type.encode(value, this.arena, HEADER_BYTES);
      }
    } catch (e) {
      throw new SerdeError('AVRO_ENCODE_FAILED', `value does not match the schema of ${this.subject}: ${this.invalidPaths(value)}`, { subject: this.subject }, e);
    }
    const out = this.arena.subarray(this.at, end);
    this.at = end;
    out[0] = MAGIC;
    out.writeUInt32BE(this.schemaId, 1);
    return out;
  }

  /** Decodes with the writer schema the message names; Avro `bytes` values come as copies or as views of `bytes` (view-decode.ts). */
  async decode(bytes: Buffer, bytesAs: BytesAs = 'copy'): Promise<T> {
    const id = this.writerId(bytes);
    return this.decodeWith(bytes, id, await this.resolverFor(id), bytesAs);
  }

  /**
   * Decodes at once when the writer schema is already known (the hot path: one lookup per schema
   * id, then every record); returns `UNKNOWN_WRITER` when it must first be fetched (use `decode`).
   * Throws the same SerdeErrors as `decode`.
   */
  decodeIfKnown(bytes: Buffer, bytesAs: BytesAs = 'copy'): T | typeof UNKNOWN_WRITER {
    const id = this.writerId(bytes);
    if (!this.builtResolvers.has(id)) return UNKNOWN_WRITER;
    return this.decodeWith(bytes, id, this.builtResolvers.get(id), bytesAs);
  }

  private writerId(bytes: Buffer): number {
    if (bytes.length < HEADER_BYTES || bytes.readUInt8(0) !== MAGIC) {
      throw new SerdeError('NOT_CONFLUENT_AVRO', `${bytes.length} bytes on ${this.subject} are not Confluent Avro (they must start with a zero magic byte and a 4-byte schema id); was this written by a producer without the registry serializer?`, { subject: this.subject });
    }
    return bytes.readUInt32BE(1);
  }

  private decodeWith(bytes: Buffer, id: number, resolver: avsc.Resolver | undefined, bytesAs: BytesAs): T {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = bytesAs === 'view' ? decodeWithViews(this.type, bytes, HEADER_BYTES, resolver) : this.type.decode(bytes, HEADER_BYTES, resolver);
    } catch (e) {
      throw this.decodeFailed(bytes, id, (e as Error).message, e);
    }
    // avsc's decode (which reads in place, no copy of the body) reports a short body as offset -1 and leaves trailing bytes to us
    if (decoded.offset < 0) throw this.decodeFailed(bytes, id, 'truncated buffer');
    if (decoded.offset !== bytes.length) throw this.decodeFailed(bytes, id, `trailing data (${bytes.length - decoded.offset} bytes after the value)`);
    return decoded.value as T;
  }

  private decodeFailed(bytes: Buffer, id: number, why: string, cause?: unknown): SerdeError {
    return new SerdeError('AVRO_DECODE_FAILED', `cannot decode ${bytes.length} bytes on ${this.subject} with writer schema id ${id}: ${why}`, { subject: this.subject, schemaId: id }, cause);
  }

  private resolverFor(id: number): Promise<avsc.Resolver | undefined> {
    let hit = this.resolvers.get(id);
    if (!hit) {
      hit = this.buildResolver(id);
      this.resolvers.set(id, hit);
      // A failed lookup (registry down) must not stay cached.
      hit.catch(() => this.resolvers.delete(id));
    }
    return hit;
  }

  private async buildResolver(id: number): Promise<avsc.Resolver | undefined> {
    let writer: AvroJson;
    try {
      writer = await this.registry.schemaById(id);
    } catch (e) {
      if (isVisionFlowError(e) && e.retriable) throw e;
      throw new SerdeError('UNKNOWN_SCHEMA_ID', `record on ${this.subject} names writer schema id ${id}, which registry ${this.registry.address} does not know`, { subject: this.subject, schemaId: id }, e);
    }
    if (JSON.stringify(writer) === JSON.stringify(this.json)) {
      this.builtResolvers.set(id, undefined);
      return undefined;
    }
    try {
      const resolver = this.type.createResolver(AvroType.forSchema(writer as avsc.Schema));
      this.builtResolvers.set(id, resolver);
      return resolver;
    } catch (e) {
      throw new SerdeError('SCHEMA_MISMATCH', `record on ${this.subject} was written with schema id ${id}, which this reader's schema cannot read: ${(e as Error).message}`, { subject: this.subject, schemaId: id }, e);
    }
  }

  private invalidPaths(value: unknown): string {
    const paths: string[] = [];
    this.type.isValid(value, { errorHook: (path: string[], got: unknown, type: avsc.Type) => paths.push(`${path.join('.') || '(root)'} should be ${typeLabel(type)} but is ${preview(got)}`) });
    return paths.join('; ') || 'unknown mismatch';
  }
}

function typeLabel(type: avsc.Type): string {
  return type.typeName === 'record' || type.typeName === 'enum' ? (type.name ?? type.typeName) : type.typeName;
}

function preview(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
