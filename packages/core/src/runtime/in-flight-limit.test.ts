// The in-flight limits of a node, seen from inside its operator: a TopologyRunner on the memory
// transport runs feed → slow → collect, and the slow node's operator measures how many records it
// holds at once while each takes a few milliseconds.
import { map, mergeMap, type OperatorFunction } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import type { NodeOptions } from '../dsl/node-options.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

interface Concurrency {
  now: number;
  max: number;
  readonly perPartition: Map<number, { now: number; max: number }>;
}

/** An operator that holds each record for `ms` and records how many it held at once, overall and per input partition. */
function slowProbe(ms: number): { op: OperatorFunction<Rec<string, Item>, Rec<string, Item>>; seen: Concurrency } {
  const seen: Concurrency = { now: 0, max: 0, perPartition: new Map() };
  const op = mergeMap(async (r: Rec<string, Item>) => {
    const p = seen.perPartition.get(r.source!.partition) ?? { now: 0, max: 0 };
    seen.perPartition.set(r.source!.partition, p);
    seen.max = Math.max(seen.max, ++seen.now);
    p.max = Math.max(p.max, ++p.now);
    await new Promise((resolve) => setTimeout(resolve, ms));
    seen.now--;
    p.now--;
    return r;
  });
  return { op: named('slowProbe', op), seen };
}

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** Runs feed → slow (with `options`) → collect to the end; returns the ids collected and what the probe saw. */
async function run(opts: { records: number; partitions: number; slow: NodeOptions; delayMs?: number }): Promise<{ collected: string[]; seen: Concurrency }> {
  const input = topic('items.in', { value: Item, partitions: opts.partitions });
  const output = topic('items.out', { value: Item, partitions: 1 });
  const probe = slowProbe(opts.delayMs ?? 15);
  const collected: string[] = [];
  const t = topology('limits')
    .node('feed', (n) => n.source(items(opts.records)).to(input))
    .node('slow', (n) => n.from(input).pipe(probe.op).to(output), opts.slow)
    .node('collect', (n) => n.from(output).pipe(map((r) => (collected.push(r.value.id), r))));
  const transport = new MemoryTransport();
  transports.push(transport);
  const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
  await runner.start();
  await runner.runUntilDrained();
  return { collected, seen: probe.seen };
}

const allIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `item-${i}`).sort();

describe('a node with maxInFlight', () => {
  it('never holds more than maxInFlight records at once, and reaches that many when the operator is slow', async () => {
    const { seen } = await run({ records: 40, partitions: 3, slow: { maxInFlight: 3, ordering: 'unordered' } });
    expect(seen.max).toBe(3);
  });

  it('still delivers every record exactly once', async () => {
    const { collected } = await run({ records: 40, partitions: 3, slow: { maxInFlight: 3, ordering: 'unordered' } });
    expect([...collected].sort()).toEqual(allIds(40));
  });

  it('runs one record at a time with maxInFlight 1', async () => {
    const { seen, collected } = await run({ records: 12, partitions: 2, slow: { maxInFlight: 1, ordering: 'unordered' } });
    expect(seen.max).toBe(1);
    expect(collected).toHaveLength(12);
  });
});

describe('a node with maxInFlightPerPartition', () => {
  it('never holds more than the per-partition limit of one input partition at once', async () => {
    const { seen } = await run({ records: 40, partitions: 1, slow: { maxInFlight: 8, maxInFlightPerPartition: 2, ordering: 'unordered' } });
    expect(seen.perPartition.get(0)?.max).toBe(2);
    expect(seen.max).toBe(2);
  });

  it('lets each partition use its own limit, so several partitions together go beyond it', async () => {
    const { seen } = await run({ records: 60, partitions: 3, slow: { maxInFlight: 8, maxInFlightPerPartition: 2, ordering: 'unordered' } });
    expect([...seen.perPartition.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, p] of seen.perPartition) expect({ partition, max: p.max }).toEqual({ partition, max: 2 });
    expect(seen.max).toBeGreaterThan(2);
    expect(seen.max).toBeLessThanOrEqual(6);
  });

  it('still delivers every record exactly once', async () => {
    const { collected } = await run({ records: 60, partitions: 3, slow: { maxInFlight: 8, maxInFlightPerPartition: 2, ordering: 'unordered' } });
    expect([...collected].sort()).toEqual(allIds(60));
  });
});
