// An embedded run holds only what its nodes have still to read: a fast source ahead of a slow node
// fills the topic between them up to the broker's limit and then waits for the node's commits, so
// the process's memory does not grow with the input (issue #12; `vision-flow run` builds its
// MemoryTransport this way). Every record still arrives exactly once.
import { map, mergeMap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport, type MemoryTransportOptions } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const RECORDS = 300;
const LIMIT = 1_000;

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** feed → slow (2 ms a record) → collect; returns what was collected and the most bytes `items.in` held, and held unread by slow, at once. */
async function run(opts: MemoryTransportOptions): Promise<{ collected: string[]; maxHeld: number; maxUnread: number; recordBytes: number }> {
  const input = topic('items.in', { value: Item, partitions: 2 });
  const output = topic('items.out', { value: Item, partitions: 1 });
  const slow = named('slow', mergeMap(async (r: Rec<string, Item>) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return r;
  }));
  const collected: string[] = [];
  const t = topology('backlog')
    .node('feed', (n) => n.source(items(RECORDS)).to(input))
    .node('slow', (n) => n.from(input).pipe(slow).to(output), { maxInFlight: 4, commitInterval: '20ms' })
    .node('collect', (n) => n.from(output).pipe(map((r) => (collected.push(r.value.id), r))), { commitInterval: '20ms' });
  const transport = new MemoryTransport(opts);
  transports.push(transport);
  const held = (): number => [0, 1].reduce((n, p) => n + (transport.broker.partitionLog('items.in', p)?.bytes ?? 0), 0);
  const unread = (): number => [0, 1].reduce((n, p) => {
    const log = transport.broker.partitionLog('items.in', p);
    return n + (log ? log.bytesFrom(log.fetchPosition('backlog.slow') ?? log.logStartOffset) : 0);
  }, 0);
  let maxHeld = 0;
  let maxUnread = 0;
  let recordBytes = 0;
  const sampler = setInterval(() => {
    maxHeld = Math.max(maxHeld, held());
    maxUnread = Math.max(maxUnread, unread());
    const log = transport.broker.partitionLog('items.in', 0);
    if (log && log.highWatermark > log.logStartOffset) recordBytes = Math.max(recordBytes, log.bytes / (log.highWatermark - log.logStartOffset));
  }, 2);
  const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
  try {
    await runner.start();
    await runner.runUntilDrained();
  } finally {
    clearInterval(sampler);
  }
  return { collected, maxHeld, maxUnread, recordBytes };
}

const allIds = Array.from({ length: RECORDS }, (_, i) => `item-${i}`).sort();

describe('an embedded run with dropCommitted', () => {
  it('keeps what a fast source is ahead of its reader within the limit (one record over at most), and delivers every record once', async () => {
    const { collected, maxHeld, maxUnread, recordBytes } = await run({ dropCommitted: true, maxTopicBytes: LIMIT });
    expect([...collected].sort()).toEqual(allIds);
    expect(recordBytes).toBeGreaterThan(0);
    expect(maxUnread, 'bytes the slow node had not fetched').toBeLessThanOrEqual(LIMIT + Math.ceil(recordBytes));
    expect(maxHeld, 'with what it fetched and has not committed yet').toBeLessThan(3 * LIMIT);
  });

  it('(the same run without it holds the source\'s whole lead)', async () => {
    const { collected, maxHeld } = await run({});
    expect(collected).toHaveLength(RECORDS);
    expect(maxHeld).toBeGreaterThan(3 * LIMIT);
  });
});
