/**
 * A small builder for Avro schemas whose TypeScript type follows from the schema, so a topic's
 * value type, its registry schema and its encoder can never disagree.
 *
 * @example
 * const Box = avro.record('vision.Box', { x: avro.double(), y: avro.double(), w: avro.double(), h: avro.double() });
 * type Box = Infer<typeof Box>;   // { x: number; y: number; w: number; h: number }
 */

/** Avro schema JSON as the registry and avsc take it. */
export type AvroJson = string | AvroJsonObject | AvroJson[];
export interface AvroJsonObject {
  readonly type: AvroJson;
  readonly [field: string]: unknown;
}

declare const TYPE: unique symbol;

/** A schema for values of type T. `T` exists only at compile time. */
export interface AvroSchema<T> {
  readonly kind: string;
  /** Schema JSON with nested named types written in full; use `toAvroJson` for a registrable form. */
  readonly json: AvroJson;
  /** Full names of the named types (records, enums, fixed) this schema defines, outermost last. */
  readonly name?: string;
  readonly [TYPE]?: T;
}

export type Infer<S> = S extends AvroSchema<infer T> ? T : never;

interface FieldSpec<T> {
  readonly schema: AvroSchema<T>;
  readonly default?: unknown;
  readonly doc?: string;
  readonly aliases?: readonly string[];
}

type FieldInput = AvroSchema<unknown> | FieldSpec<unknown>;
type FieldType<F> = F extends FieldSpec<infer T> ? T : F extends AvroSchema<infer T> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RecordType<F extends { [name: string]: FieldInput }> = Simplify<{ readonly [K in keyof F]: FieldType<F[K]> }>;

function primitive<T>(name: string, json: AvroJson = name): AvroSchema<T> {
  return { kind: name, json };
}

export const avro = {
  null: (): AvroSchema<null> => primitive('null'),
  boolean: (): AvroSchema<boolean> => primitive('boolean'),
  int: (): AvroSchema<number> => primitive('int'),
  /** A 64-bit integer, decoded as a JS number (exact up to 2^53; avsc throws beyond). */
  long: (): AvroSchema<number> => primitive('long'),
  float: (): AvroSchema<number> => primitive('float'),
  double: (): AvroSchema<number> => primitive('double'),
  /**
   * Raw bytes. A record a node consumes carries them as a read-only view of the consumed message
   * (no copy): copy one (`Buffer.from(b)`) before changing it in place, since the node still reads
   * that message (a dead letter holds it as it is, a retry decodes it again).
   */
  bytes: (): AvroSchema<Buffer> => primitive('bytes'),
  string: (): AvroSchema<string> => primitive('string'),
  /** Epoch milliseconds (`long` with logicalType `timestamp-millis`), kept as a number. */
  timestampMillis: (): AvroSchema<number> => primitive('long', { type: 'long', logicalType: 'timestamp-millis' }),

  array<T>(items: AvroSchema<T>): AvroSchema<readonly T[]> {
    return { kind: 'array', json: { type: 'array', items: items.json } };
  },

  /** A map with string keys. */
  map<T>(values: AvroSchema<T>): AvroSchema<Readonly<{ [key: string]: T }>> {
    return { kind: 'map', json: { type: 'map', values: values.json } };
  },

  /** `["null", T]`: the usual optional value. As a record field it defaults to null. */
  nullable<T>(schema: AvroSchema<T>): AvroSchema<T | null> {
    return { kind: 'nullable', json: ['null', schema.json] };
  },

  enum<const S extends readonly [string, ...string[]]>(name: string, symbols: S, opts: { default?: S[number]; doc?: string } = {}): AvroSchema<S[number]> {
    return { kind: 'enum', name, json: { type: 'enum', name, symbols: [...symbols], ...(opts.default ? { default: opts.default } : {}), ...(opts.doc ? { doc: opts.doc } : {}) } };
  },

  /** A record field with a default (needed for a BACKWARD-compatible addition), doc or aliases. */
  field<T>(schema: AvroSchema<T>, opts: { default?: T; doc?: string; aliases?: readonly string[] } = {}): FieldSpec<T> {
    return { schema, default: opts.default, doc: opts.doc, aliases: opts.aliases };
  },

  record<const F extends { [name: string]: FieldInput }>(name: string, fields: F, opts: { doc?: string; aliases?: readonly string[] } = {}): AvroSchema<RecordType<F>> {
    const jsonFields = Object.entries(fields).map(([fieldName, input]) => {
      const spec: FieldSpec<unknown> = 'schema' in input ? input : { schema: input };
      const field: { [k: string]: unknown } = { name: fieldName, type: spec.schema.json };
      const dflt = spec.default !== undefined ? spec.default : spec.schema.kind === 'nullable' ? null : undefined;
      if (dflt !== undefined) field.default = Buffer.isBuffer(dflt) ? dflt.toString('latin1') : dflt;
      if (spec.doc) field.doc = spec.doc;
      if (spec.aliases) field.aliases = [...spec.aliases];
      return field;
    });
    return { kind: 'record', name, json: { type: 'record', name, fields: jsonFields, ...(opts.doc ? { doc: opts.doc } : {}), ...(opts.aliases ? { aliases: [...opts.aliases] } : {}) } };
  },
};

/**
 * The schema JSON with every named type after its first definition replaced by its name, as
 * Avro requires when a record type is used twice (avsc and registries refuse a redefinition).
 */
export function toAvroJson(schema: AvroSchema<unknown> | AvroJson): AvroJson {
  const seen = new Set<string>();
  const walk = (node: AvroJson): AvroJson => {
    if (typeof node === 'string') return node;
    if (Array.isArray(node)) return node.map(walk);
    const named = (node.type === 'record' || node.type === 'enum' || node.type === 'fixed') && typeof node.name === 'string';
    if (named) {
      const name = node.name as string;
      if (seen.has(name)) return name;
      seen.add(name);
    }
    const out: { [k: string]: unknown } = { ...node };
    if (node.type === 'record') {
      out.fields = (node.fields as Array<{ type: AvroJson }>).map((f) => ({ ...f, type: walk(f.type) }));
    } else if (node.type === 'array') {
      out.items = walk(node.items as AvroJson);
    } else if (node.type === 'map') {
      out.values = walk(node.values as AvroJson);
    } else if (typeof node.type !== 'string') {
      out.type = walk(node.type);
    }
    return out as AvroJsonObject;
  };
  return walk(isAvroSchema(schema) ? schema.json : schema);
}

export function isAvroSchema(x: unknown): x is AvroSchema<unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'kind' in x && 'json' in x;
}
