// A graceful stop (what SIGINT/SIGTERM do) of a bounded run on the memory transport, stopped while
// the input is still flowing: feed → slow ‖ fast → join → collect, where the join pairs the two
// branches' records by key. A stop is not the end of the input: the join must not be told the
// input ended (no partial results for keys whose slow part is still on its way), and nodes stop
// upstream first, so what the slow branch drains still reaches the join and the collector.
import { map, mergeMap, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { stateful } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import { avro, type Infer } from '../serde/avro/schema.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const Pair = avro.record('t.Pair', { id: avro.string(), complete: avro.boolean() });
type Pair = Infer<typeof Pair>;

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe('stopping a running topology (SIGINT/SIGTERM)', () => {
  it('drains upstream first into the join and never flushes open joins as if the input had ended', async () => {
    const input = topic('items.in', { value: Item, partitions: 2 });
    const slowOut = topic('items.slow', { value: Item, partitions: 2 });
    const fastOut = topic('items.fast', { value: Item, partitions: 2 });
    const pairs = topic('items.pairs', { value: Pair, partitions: 2 });
    const slowDone = new Set<string>();
    const fastDone = new Set<string>();
    const collected: Pair[] = [];
    let endOfInputCalls = 0;

    /** Pairs a key's slow and fast records; at the end of the input, flushes open keys as partial. */
    class PairUp implements Processor<Rec<string, Item>, Rec<string, Pair>> {
      private ctx!: ProcessorContext<Rec<string, Pair>>;
      private readonly open = new Map<string, Rec<string, Item>>();
      init(ctx: ProcessorContext<Rec<string, Pair>>): void {
        this.ctx = ctx;
      }
      process(r: Rec<string, Item>): void {
        if (!this.open.delete(r.key)) {
          this.open.set(r.key, r);
          return;
        }
        void this.ctx.forward(r.withValue({ id: r.key, complete: true }));
      }
      endOfInput(): void {
        endOfInputCalls++;
        for (const r of this.open.values()) void this.ctx.forward(r.withValue({ id: r.key, complete: false }));
        this.open.clear();
      }
      close(): void {
        this.open.clear();
      }
    }
    const pairUp = stateful<Rec<string, Item>, Rec<string, Pair>>({ name: 'pairUp', stores: [], get: () => new PairUp() });
    const slow = named('slow', mergeMap(async (r: Rec<string, Item>) => (await new Promise((resolve) => setTimeout(resolve, 60)), slowDone.add(r.key), r)));

    const t = topology('stops')
      .node('feed', (n) => n.source(items(300)).to(input))
      .node('slow', (n) => n.from(input).pipe(slow).to(slowOut), { maxInFlight: 4, ordering: 'unordered' })
      .node('fast', (n) => n.from(input).pipe(named('fast', tap((r: Rec<string, Item>) => fastDone.add(r.key)))).to(fastOut))
      .node('join', (n) => n.from(slowOut, fastOut).pipe(pairUp).to(pairs))
      .node('collect', (n) => n.from(pairs).pipe(map((r) => (collected.push(r.value), r))));
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    // As `vision-flow run` does: the bounded run waits to drain, and a signal stops it meanwhile.
    const drained = runner.runUntilDrained();
    while (collected.length < 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await runner.stop('SIGTERM');
    await drained;

    expect(endOfInputCalls, 'a stop is not the end of the input').toBe(0);
    expect(collected.filter((p) => !p.complete)).toEqual([]);
    expect(collected.length, 'stopped before the end of the input').toBeLessThan(300);
    // Every key both branches finished (including what the slow one drained on stop) reached the end.
    const both = [...slowDone].filter((id) => fastDone.has(id)).sort();
    expect(collected.map((p) => p.id).sort()).toEqual(both);
    expect(runner.stats().map((s) => [s.node, s.state, s.inFlight])).toEqual(['feed', 'slow', 'fast', 'join', 'collect'].map((n) => [n, 'stopped', 0]));
  });

  it('still flushes open joins when the input really ended', async () => {
    const input = topic('items.in', { value: Item, partitions: 2 });
    const onlyOne = topic('items.one', { value: Item, partitions: 2 });
    const other = topic('items.other', { value: Item, partitions: 2 });
    const pairs = topic('items.pairs', { value: Pair, partitions: 2 });
    const collected: Pair[] = [];
    class Flush implements Processor<Rec<string, Item>, Rec<string, Pair>> {
      private ctx!: ProcessorContext<Rec<string, Pair>>;
      private readonly open = new Map<string, Rec<string, Item>>();
      init(ctx: ProcessorContext<Rec<string, Pair>>): void {
        this.ctx = ctx;
      }
      process(r: Rec<string, Item>): void {
        this.open.set(r.key, r);
      }
      endOfInput(): void {
        for (const r of this.open.values()) void this.ctx.forward(r.withValue({ id: r.key, complete: false }));
        this.open.clear();
      }
      close(): void {
        this.open.clear();
      }
    }
    const t = topology('ends')
      .node('feed', (n) => n.source(items(6)).to(input))
      .node('relay', (n) => n.from(input).to(onlyOne))
      .node('join', (n) => n.from(onlyOne, other).pipe(stateful<Rec<string, Item>, Rec<string, Pair>>({ name: 'flush', stores: [], get: () => new Flush() })).to(pairs))
      .node('collect', (n) => n.from(pairs).pipe(map((r) => (collected.push(r.value), r))));
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();
    expect(collected.map((p) => [p.id, p.complete]).sort()).toEqual(Array.from({ length: 6 }, (_, i) => [`item-${i}`, false]).sort());
  });
});
