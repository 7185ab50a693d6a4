// The headers a node writes on each output, on the memory transport: vf-origin names the input
// record, and vf-trace-id carries the chain's first id only where the key no longer does.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { HeaderNames } from '../records/headers.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import type { IncomingMessage } from '../transport/transport.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

async function readAll(transport: MemoryTransport, name: string): Promise<IncomingMessage[]> {
  const reader = await transport.reader();
  await reader.assign([{ topic: name, partition: 0, offset: 0 }]);
  const out = await reader.poll(100, 200);
  await reader.close();
  return out;
}

describe('trace headers', () => {
  it('keeps the first id of a chain through every node, writing vf-trace-id only where the key differs from it', async () => {
    const a = topic('trace.a', { value: Item, partitions: 1 });
    const b = topic('trace.b', { value: Item, partitions: 1 });
    const c = topic('trace.c', { value: Item, partitions: 1 });
    const t = topology('traces')
      .node('feed', (n) => n.source(items(3)).to(a))
      .node('same', (n) => n.from(a).to(b))
      .node('rekey', (n) => n.from(b).pipe(map((r: Rec<string, Item>) => r.withKey(`re-${r.key}`))).to(c));
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();

    const [onA, onB, onC] = await Promise.all([readAll(transport, a.name), readAll(transport, b.name), readAll(transport, c.name)]);
    expect(onA.map((m) => m.headers)).toEqual([{}, {}, {}]); // a source's record is its own origin, its key its trace id
    expect(onB.map((m) => m.headers)).toEqual([0, 1, 2].map((i) => ({ [HeaderNames.origin]: `trace.a/0/${i}` })));
    expect(onC.map((m) => m.headers)).toEqual([0, 1, 2].map((i) => ({ [HeaderNames.origin]: `trace.b/0/${i}`, [HeaderNames.traceId]: `item-${i}` })));
  });
});
