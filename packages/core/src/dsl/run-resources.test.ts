import { firstValueFrom, map, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import type { Rec } from '../records/record.js';
import { Item, items } from '../testing/items.js';
import { withContext } from './operator-context.js';
import { RunResources } from './run-resources.js';
import { topic } from './topic.js';
import { topology } from './topology.js';

const POOL = Symbol('test-pool');

/** A stand-in for an inference pool: counts who made and closed it. */
class Pool {
  closed = false;
  constructor(readonly id: number) {}
}

describe('RunResources', () => {
  it('makes each resource once, and closes them last made first, even when one close fails', async () => {
    const r = new RunResources();
    const closed: string[] = [];
    let made = 0;
    const a = r.get(POOL, () => ++made, async () => void closed.push('a'));
    expect(r.get(POOL, () => ++made)).toBe(a);
    r.get(Symbol('b'), () => 'b', async () => {
      closed.push('b');
      throw new Error('b would not close');
    });
    await expect(r.close()).rejects.toThrow('run resources: 1 failed to close');
    expect(made).toBe(1);
    expect(closed).toEqual(['b', 'a']);
    expect(() => r.get(POOL, () => 0)).toThrow('test-pool asked for after the run stopped');
  });
});

describe('RunResources.prepare', () => {
  it('makes the resource at once; the first get takes that one, and closeUnclaimed leaves it open', async () => {
    const r = new RunResources();
    const pool = new Pool(1);
    r.prepare(POOL, () => pool, async (p) => void (p.closed = true));
    expect(r.get(POOL, () => new Pool(2))).toBe(pool);
    await r.closeUnclaimed();
    expect(pool.closed).toBe(false);
    await r.close();
    expect(pool.closed).toBe(true);
  });

  it('closes what nobody asked for, and a later get makes a fresh one', async () => {
    const r = new RunResources();
    const prepared = new Pool(1);
    r.prepare(POOL, () => prepared, async (p) => void (p.closed = true));
    r.prepare(POOL, () => new Pool(3)); // already prepared: kept, not made again
    await r.closeUnclaimed();
    expect(prepared.closed).toBe(true);
    const fresh = r.get(POOL, () => new Pool(2));
    expect(fresh.id).toBe(2);
    await r.close();
    expect(prepared.closed).toBe(true);
  });
});

describe('the resources of a run', () => {
  /** Two nodes whose operator takes the run's pool. */
  function run(seen: Pool[], resources?: RunResources): TopologyRunner {
    let next = 0;
    const tagged = withContext<Rec<string, Item>, Rec<string, Item>>('tag', (ctx) => {
      const pool = ctx.resources.get(POOL, () => new Pool(++next), async (p) => void (p.closed = true));
      seen.push(pool);
      return map((r) => r);
    });
    const out = topic('tagged', { value: Item, partitions: 1 });
    const t = topology('resources')
      .node('a', (n) => n.source(items(3)).pipe(tagged).to(out))
      .node('b', (n) => n.from(out).pipe(tagged));
    return new TopologyRunner(t, { transport: new MemoryTransport(), registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 }, ...(resources ? { resources } : {}) });
  }

  it('hands its nodes a resource prepared before the runner, closes other prepared ones at start, and the rest when it stops', async () => {
    const resources = new RunResources();
    const prepared = new Pool(7);
    const unused = new Pool(8);
    resources.prepare(POOL, () => prepared, async (p) => void (p.closed = true));
    resources.prepare(Symbol('unused'), () => unused, async (p) => void (p.closed = true));
    const seen: Pool[] = [];
    const runner = run(seen, resources);
    await runner.start();
    expect(seen).toEqual([prepared, prepared]);
    expect([prepared.closed, unused.closed]).toEqual([false, true]);
    await runner.runUntilDrained();
    expect(prepared.closed).toBe(true);
  });

  it('gives every node of a run the same one, another run its own, and closes them when the run stops', async () => {
    const first: Pool[] = [];
    const second: Pool[] = [];
    const runners = [run(first), run(second)];
    for (const r of runners) await r.start();
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(first[1]);
    expect(second[0]).toBe(second[1]);
    expect(second[0]).not.toBe(first[0]);
    expect(first[0]!.closed).toBe(false);
    for (const r of runners) await r.runUntilDrained();
    expect([first[0]!.closed, second[0]!.closed]).toEqual([true, true]);
  });

  it('closes what a plain RxJS subscription made when it ends', async () => {
    const made: Pool[] = [];
    const op = withContext('plain', (ctx) => {
      made.push(ctx.resources.get(POOL, () => new Pool(made.length + 1), async (p) => void (p.closed = true)));
      return map((n: number) => n * 2);
    });
    expect(await firstValueFrom(of(1, 2).pipe(op, toArray()))).toEqual([2, 4]);
    await new Promise((r) => setTimeout(r, 0));
    expect(made.map((p) => p.closed)).toEqual([true]);
  });
});
