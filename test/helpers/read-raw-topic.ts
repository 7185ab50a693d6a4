import type { IncomingMessage } from '@vision-flow/core';
import type { ClusterView } from './pipeline-processes.js';

/** Every message of a namespace topic up to its current end, undecoded (for topics not in Avro, e.g. the Kafka Streams peer's output). */
export async function readRawTopic(view: ClusterView, topic: string, timeoutMs = 60_000): Promise<IncomingMessage[]> {
  const ends = await view.ns.admin().endOffsets(topic);
  const reader = await view.ns.reader!({ clientId: 'vf-e2e-raw' });
  const out: IncomingMessage[] = [];
  const position = new Map<number, number>();
  try {
    await reader.assign(ends.map((e) => ({ topic, partition: e.partition, offset: 0 })));
    const deadline = Date.now() + timeoutMs;
    while (ends.some((e) => (position.get(e.partition) ?? 0) < e.offset)) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach its end offsets within ${timeoutMs} ms`);
      for (const m of await reader.poll(1000, 250)) {
        if (m.offset < (position.get(m.partition) ?? 0)) continue; // re-delivered after a reconnect
        out.push(m);
        position.set(m.partition, m.offset + 1);
      }
    }
    return out;
  } finally {
    await reader.close();
  }
}
