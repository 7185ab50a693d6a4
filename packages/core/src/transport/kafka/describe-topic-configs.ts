import { connect, type Socket } from 'node:net';
import { ConnectionError } from '../../errors/connection-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';

/**
 * Reads topic configs with one Kafka DescribeConfigs (v1) request over a plain TCP connection.
 *
 * Why by hand: the native binding of @confluentinc/kafka-javascript 1.x exposes no DescribeConfigs
 * (its KafkaJS layer has none either), yet `describeTopic` must tell a compacted topic. The request
 * is tiny and version 1 is supported by every broker since Kafka 1.1 (4.x dropped only v0). It speaks
 * PLAINTEXT only; clusters behind TLS/SASL need the binding to grow DescribeConfigs.
 */
export async function describeTopicConfigs(
  brokers: readonly string[],
  topics: readonly string[],
  configNames: readonly string[],
  opts: { clientId: string; timeoutMs: number },
): Promise<Map<string, Map<string, string | null>>> {
  let last: unknown;
  for (const broker of brokers) {
    try {
      const response = await request(broker, encodeDescribeConfigs(topics, configNames, opts.clientId), opts.timeoutMs);
      return decodeDescribeConfigs(response);
    } catch (e) {
      if (e instanceof VisionFlowError && !(e instanceof ConnectionError) && !(e instanceof TimeoutError)) throw e;
      last = e;
    }
  }
  throw last instanceof Error ? last : new ConnectionError(`kafka ${brokers.join(',')}: DescribeConfigs failed`);
}

const API_KEY_DESCRIBE_CONFIGS = 32;
const API_VERSION = 1;
const RESOURCE_TOPIC = 2;
const CORRELATION_ID = 1;

/** Request header v1 + DescribeConfigs v1 body, with the 4-byte size prefix. */
export function encodeDescribeConfigs(topics: readonly string[], configNames: readonly string[], clientId: string): Buffer {
  const w = new Writer();
  w.int16(API_KEY_DESCRIBE_CONFIGS).int16(API_VERSION).int32(CORRELATION_ID).string(clientId);
  w.int32(topics.length);
  for (const t of topics) {
    w.int8(RESOURCE_TOPIC).string(t).int32(configNames.length);
    for (const n of configNames) w.string(n);
  }
  w.int8(0); // include_synonyms
  const body = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Response (without size prefix): topic → config name → value. A per-topic error throws. */
export function decodeDescribeConfigs(buf: Buffer): Map<string, Map<string, string | null>> {
  const r = new Reader(buf);
  if (r.int32() !== CORRELATION_ID) throw new VisionFlowError('kafka DescribeConfigs: unexpected correlation id', { code: 'KAFKA_PROTOCOL', retriable: false });
  r.int32(); // throttle_time_ms
  const out = new Map<string, Map<string, string | null>>();
  for (let i = r.int32(); i > 0; i--) {
    const errorCode = r.int16();
    const errorMessage = r.nullableString();
    r.int8(); // resource_type
    const name = r.nullableString() ?? '';
    const configs = new Map<string, string | null>();
    for (let j = r.int32(); j > 0; j--) {
      const key = r.nullableString() ?? '';
      const value = r.nullableString();
      r.int8(); // read_only
      r.int8(); // config_source
      r.int8(); // is_sensitive
      for (let k = r.int32(); k > 0; k--) {
        r.nullableString();
        r.nullableString();
        r.int8();
      }
      configs.set(key, value);
    }
    if (errorCode !== 0) {
      // 3 = UNKNOWN_TOPIC_OR_PARTITION: the caller treats the topic as absent.
      if (errorCode === 3) continue;
      throw new VisionFlowError(`kafka DescribeConfigs ${name}: ${errorMessage ?? `error ${errorCode}`}`, { code: `KAFKA_BROKER_ERROR_${errorCode}`, retriable: false });
    }
    out.set(name, configs);
  }
  return out;
}

function request(broker: string, frame: Buffer, timeoutMs: number): Promise<Buffer> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const socket: Socket = connect({ host, port });
    const timer = setTimeout(() => finish(new TimeoutError(`kafka ${broker}: DescribeConfigs got no answer within ${timeoutMs} ms`, timeoutMs, { address: broker })), timeoutMs);
    function finish(err: Error | null, data?: Buffer): void {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(data!);
    }
    socket.on('connect', () => socket.write(frame));
    socket.on('error', (e) => finish(new ConnectionError(`kafka ${broker}: DescribeConfigs could not connect: ${e.message}`, { address: broker }, e)));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length >= 4 + size) finish(null, all.subarray(4, 4 + size));
    });
    socket.on('end', () => finish(new ConnectionError(`kafka ${broker}: DescribeConfigs connection closed early`, { address: broker })));
  });
}

class Writer {
  private readonly parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    return this.int16(bytes.length).push(bytes);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.advance(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.advance(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.advance(4));
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const start = this.advance(len);
    return this.buf.toString('utf8', start, start + len);
  }
  private advance(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) throw new VisionFlowError('kafka DescribeConfigs: truncated response', { code: 'KAFKA_PROTOCOL', retriable: false });
    this.pos += n;
    return at;
  }
}
