import { afterEach } from 'vitest';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import type { IncomingMessage } from '../transport.js';
import { MemoryBroker } from './memory-broker.js';
import type { MemoryConsumer } from './memory-consumer.js';
import { MemoryTransport } from './memory-transport.js';

// What the memory transport's tests share: transports on one broker, closed after each test.

export const v = (s: string): Buffer => Buffer.from(s);
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isVisionFlowError(e) ? e.code : `not a VisionFlowError: ${String(e)}`;
  }
}

export async function drain(c: MemoryConsumer, n: number, timeoutMs = 2_000): Promise<IncomingMessage[]> {
  const out: IncomingMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await c.poll(1_000, 50)));
  return out;
}

const transports: MemoryTransport[] = [];
export function setup(): { broker: MemoryBroker; t: MemoryTransport; other: () => MemoryTransport } {
  const broker = new MemoryBroker();
  const make = (): MemoryTransport => {
    const t = new MemoryTransport({ broker });
    transports.push(t);
    return t;
  };
  return { broker, t: make(), other: make };
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});
