import type { Headers } from '../records/headers.js';

/**
 * Bytes a one-record Kafka batch adds around key, value and headers (61-byte batch header plus the
 * record's own framing, at most).
 */
const RECORD_OVERHEAD_BYTES = 61 + 21;
const HEADER_OVERHEAD_BYTES = 10;

/**
 * The size a broker compares with a topic's max.message.bytes for a message sent alone: what the
 * memory broker enforces, and what a node checks before handing an output to a producer that
 * answers before the broker has seen it.
 */
export function recordBatchBytes(key: Buffer | null, value: Buffer | null, headers: Headers | undefined): number {
  let n = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
  if (headers) for (const name in headers) n += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(headers[name]!);
  return n;
}

/**
 * At least `recordBatchBytes` of the same record, without encoding the headers as UTF-8: each of
 * their UTF-16 units counts as 3 bytes, the most one takes. Cheap enough for every record; only one
 * whose bound is near a limit needs the exact count.
 */
export function recordBatchBytesAtMost(key: Buffer | null, value: Buffer | null, headers: Headers | undefined): number {
  let n = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
  if (headers) for (const name in headers) n += HEADER_OVERHEAD_BYTES + 3 * (name.length + headers[name]!.length);
  return n;
}
