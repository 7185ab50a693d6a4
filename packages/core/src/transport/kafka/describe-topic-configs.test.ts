import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../errors/connection-error.js';
import { decodeDescribeConfigs, describeTopicConfigs, encodeDescribeConfigs } from './describe-topic-configs.js';

/** A DescribeConfigs v1 response body as a broker writes it (without the size prefix). */
function response(topics: Array<{ name: string; error?: number; configs: Record<string, string | null> }>): Buffer {
  const parts: Buffer[] = [];
  const i8 = (v: number) => parts.push(Buffer.from([v & 0xff]));
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); parts.push(b); };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); parts.push(b); };
  const str = (s: string | null) => { if (s === null) return i16(-1); const b = Buffer.from(s); i16(b.length); parts.push(b); };
  i32(1); // correlation id
  i32(0); // throttle
  i32(topics.length);
  for (const t of topics) {
    i16(t.error ?? 0); str(null); i8(2); str(t.name);
    i32(Object.keys(t.configs).length);
    for (const [k, v] of Object.entries(t.configs)) { str(k); str(v); i8(0); i8(5); i8(0); i32(0); }
  }
  return Buffer.concat(parts);
}

describe('describeTopicConfigs', () => {
  it('should encode a DescribeConfigs v1 request with its size prefix', () => {
    const frame = encodeDescribeConfigs(['t'], ['cleanup.policy'], 'vf');
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect(frame.readInt16BE(4)).toBe(32); // api key
    expect(frame.readInt16BE(6)).toBe(1); // version
  });

  it('should decode configs per topic and leave unknown topics out', () => {
    const out = decodeDescribeConfigs(response([{ name: 'a', configs: { 'cleanup.policy': 'compact' } }, { name: 'gone', error: 3, configs: {} }]));
    expect([...out.keys()]).toEqual(['a']);
    expect(out.get('a')?.get('cleanup.policy')).toBe('compact');
  });

  it('should talk to a broker over TCP, even when the answer comes in pieces', async () => {
    const server = createServer((socket) => {
      socket.once('data', () => {
        const body = response([{ name: 't', configs: { 'cleanup.policy': 'delete' } }]);
        const size = Buffer.alloc(4);
        size.writeInt32BE(body.length);
        const whole = Buffer.concat([size, body]);
        socket.write(whole.subarray(0, 3));
        setTimeout(() => socket.end(whole.subarray(3)), 10);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const out = await describeTopicConfigs([`127.0.0.1:${port}`], ['t'], ['cleanup.policy'], { clientId: 'vf', timeoutMs: 2000 });
      expect(out.get('t')?.get('cleanup.policy')).toBe('delete');
    } finally {
      server.close();
    }
  });

  it('should give a ConnectionError when no broker listens', async () => {
    await expect(describeTopicConfigs(['127.0.0.1:1'], ['t'], ['cleanup.policy'], { clientId: 'vf', timeoutMs: 2000 })).rejects.toBeInstanceOf(ConnectionError);
  });
});
