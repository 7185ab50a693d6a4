// The headers a node writes on each output, on the memory transport: vf-origin names the input
// record, vf-trace-id carries the chain's first id only where the key no longer does, and W3C
// traceparent carries the chain's trace with a new span id per node.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { HeaderNames } from '../records/headers.js';
import { parseTraceparent, w3cTraceIdOf } from '../records/traceparent.js';
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

/** The headers vision-flow writes besides traceparent (whose span ids are random). */
function vfHeaders(m: IncomingMessage): { [name: string]: string } {
  return Object.fromEntries(Object.entries(m.headers).filter(([k]) => k !== HeaderNames.traceparent));
}

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
    expect(onA.map((m) => vfHeaders(m))).toEqual([{}, {}, {}]); // a source's record is its own origin, its key its trace id
    expect(onB.map((m) => vfHeaders(m))).toEqual([0, 1, 2].map((i) => ({ [HeaderNames.origin]: `trace.a/0/${i}` })));
    expect(onC.map((m) => vfHeaders(m))).toEqual([0, 1, 2].map((i) => ({ [HeaderNames.origin]: `trace.b/0/${i}`, [HeaderNames.traceId]: `item-${i}` })));

    // traceparent: one W3C trace per chain (derived from its first id) through every node, a new span id per hop.
    const parents = [onA, onB, onC].map((msgs) => msgs.map((m) => parseTraceparent(m.headers[HeaderNames.traceparent])!));
    for (const i of [0, 1, 2]) {
      const chain = parents.map((hop) => hop[i]!);
      expect(chain.map((p) => p.traceId)).toEqual([0, 1, 2].map(() => w3cTraceIdOf(`item-${i}`)));
      expect(new Set(chain.map((p) => p.spanId)).size).toBe(3);
    }
  });

  it('keeps the trace id of a traceparent the source record brings, with a span id of its own', async () => {
    const a = topic('trace.in', { value: Item, partitions: 1 });
    const b = topic('trace.out', { value: Item, partitions: 1 });
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const t = topology('traced')
      .node('feed', (n) => n.source(items(2)).pipe(map((r: Rec<string, Item>) => r.withHeaders({ [HeaderNames.traceparent]: parent }))).to(a))
      .node('next', (n) => n.from(a).to(b));
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();
    const hops = [await readAll(transport, a.name), await readAll(transport, b.name)].map((msgs) => msgs.map((m) => parseTraceparent(m.headers[HeaderNames.traceparent])!));
    const all = hops.flat();
    expect(all).toHaveLength(4);
    expect(new Set(all.map((p) => p.traceId))).toEqual(new Set(['4bf92f3577b34da6a3ce929d0e0e4736']));
    expect(new Set(all.map((p) => p.spanId)).size).toBe(4);
    expect(all.some((p) => p.spanId === '00f067aa0ba902b7')).toBe(false);
  });
});
