// Field-level access to ONNX models (protobuf) for the graph edits made before a session opens
// (constant-initializers.ts, space-to-depth-input.ts). A model is read and rewritten field by field,
// so every byte of what an edit keeps stays as it was, whatever ONNX version wrote it.
import protobuf from 'protobufjs/minimal.js';

/** Field numbers of onnx.proto used here. */
export const ONNX = {
  model: { graph: 7 },
  graph: { node: 1, initializer: 5, input: 11, sparseInitializer: 15 },
  node: { input: 1, output: 2, opType: 4, attribute: 5 },
  attribute: { name: 1, i: 3, ints: 8 },
  valueInfo: { name: 1, type: 2 },
  type: { tensor: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dimension: { value: 1 },
  tensor: { dims: 1, dataType: 2, int64Data: 7, name: 8, rawData: 9, externalData: 13 },
  sparseTensor: { values: 1 },
} as const;

const LENGTH_DELIMITED = 2;
const INT64 = 7;

/** One field of a protobuf message: its bytes (tag included) and, if length-delimited, its body. */
export interface WireField {
  readonly number: number;
  readonly whole: Uint8Array;
  readonly body: Uint8Array | undefined;
  /** The value of a varint field. */
  readonly varint: number | undefined;
}

/** The fields of one message, in order. Throws a RangeError on bytes that are not a protobuf message. */
export function readFields(bytes: Uint8Array): WireField[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    let body: Uint8Array | undefined;
    let varint: number | undefined;
    if ((tag & 7) === LENGTH_DELIMITED) {
      const length = reader.uint32();
      body = bytes.subarray(reader.pos, reader.pos + length);
      reader.skip(length);
    } else if ((tag & 7) === 0) {
      varint = Number(reader.int64());
    } else {
      reader.skipType(tag & 7);
    }
    fields.push({ number: tag >>> 3, whole: bytes.subarray(start, reader.pos), body, varint });
  }
  return fields;
}

export function bodyOf(fields: readonly WireField[], number: number): Uint8Array | undefined {
  return fields.find((f) => f.number === number)?.body;
}

export function stringOf(fields: readonly WireField[], number: number): string | undefined {
  const body = bodyOf(fields, number);
  return body ? utf8(body) : undefined;
}

/** Every value of a repeated string field. */
export function stringsOf(fields: readonly WireField[], number: number): string[] {
  return fields.filter((f) => f.number === number && f.body).map((f) => utf8(f.body!));
}

/** Every value of a repeated int64 field, packed or not. */
export function int64sOf(fields: readonly WireField[], number: number): number[] {
  const values: number[] = [];
  for (const f of fields) {
    if (f.number !== number) continue;
    if (f.varint !== undefined) values.push(f.varint);
    else if (f.body) for (const r = protobuf.Reader.create(f.body); r.pos < r.len; ) values.push(Number(r.int64()));
  }
  return values;
}

/** The values of an INT64 TensorProto (raw_data or int64_data), or undefined for another type. */
export function int64Tensor(tensor: readonly WireField[]): number[] | undefined {
  if (tensor.find((f) => f.number === ONNX.tensor.dataType)?.varint !== INT64) return undefined;
  const raw = bodyOf(tensor, ONNX.tensor.rawData);
  if (!raw) return int64sOf(tensor, ONNX.tensor.int64Data);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
}

/** A length-delimited field: tag, length, body. */
export function messageField(number: number, body: Uint8Array): Uint8Array {
  const head = protobuf.Writer.create().uint32((number << 3) | LENGTH_DELIMITED).uint32(body.length).finish();
  return Buffer.concat([head, body]);
}

/** A varint field. */
export function varintField(number: number, value: number): Uint8Array {
  return protobuf.Writer.create().uint32(number << 3).int64(value).finish();
}

/** The model with its graph's fields replaced by `graph` (the top-level fields around it kept as they were). */
export function withGraph(top: readonly WireField[], graph: readonly Uint8Array[]): Uint8Array {
  const body = Buffer.concat(graph);
  return Buffer.concat(top.map((f) => (f.number === ONNX.model.graph ? messageField(ONNX.model.graph, body) : f.whole)));
}

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
