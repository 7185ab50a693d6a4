import { connect, type Socket } from 'node:net';
import { ConnectionError } from '../../errors/connection-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { VisionFlowError } from '../../errors/vision-flow-error.js';

/**
 * The few pieces of the Kafka wire protocol that the admin requests the native binding lacks
 * (DescribeConfigs, IncrementalAlterConfigs) are written with: one request, one response, on a
 * plain TCP connection (PLAINTEXT only).
 */

/** Prepends the 4-byte size every request frame starts with. */
export function sizePrefixed(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Sends one request frame to `broker` (host:port) and resolves with the response body (without its size). */
export function kafkaRequest(broker: string, operation: string, frame: Buffer, timeoutMs: number): Promise<Buffer> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const socket: Socket = connect({ host, port });
    const timer = setTimeout(() => finish(new TimeoutError(`kafka ${broker}: ${operation} got no answer within ${timeoutMs} ms`, timeoutMs, { address: broker })), timeoutMs);
    function finish(err: Error | null, data?: Buffer): void {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(data!);
    }
    socket.on('connect', () => socket.write(frame));
    socket.on('error', (e) => finish(new ConnectionError(`kafka ${broker}: ${operation} could not connect: ${e.message}`, { address: broker }, e)));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length >= 4 + size) finish(null, all.subarray(4, 4 + size));
    });
    socket.on('end', () => finish(new ConnectionError(`kafka ${broker}: ${operation} connection closed early`, { address: broker })));
  });
}

/**
 * Sends the request to the first broker that answers: a broker that cannot be reached or does not
 * answer in time passes the request to the next; an error in the answer is the caller's.
 */
export async function requestAnyBroker(brokers: readonly string[], operation: string, frame: Buffer, timeoutMs: number): Promise<Buffer> {
  let last: unknown;
  for (const broker of brokers) {
    try {
      return await kafkaRequest(broker, operation, frame, timeoutMs);
    } catch (e) {
      if (!(e instanceof ConnectionError) && !(e instanceof TimeoutError)) throw e;
      last = e;
    }
  }
  throw last instanceof Error ? last : new ConnectionError(`kafka ${brokers.join(',')}: ${operation} failed`);
}

/** Big-endian writer of the protocol's fixed-width types and (non-flexible) strings. */
export class KafkaWriter {
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
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

/** Reads what KafkaWriter writes; a short buffer throws naming the operation. */
export class KafkaReader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly operation: string,
  ) {}
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
    if (at + n > this.buf.length) throw new VisionFlowError(`kafka ${this.operation}: truncated response`, { code: 'KAFKA_PROTOCOL', retriable: false });
    this.pos += n;
    return at;
  }
}
