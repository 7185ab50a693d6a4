// The recordTimeout node option on the memory transport: feed → work → collect, where the work
// node's operator never answers for one key. That record must be dead-lettered as RECORD_TIMEOUT
// with its place in the input, the others must all arrive, and the node must drain (its slot and
// its partition's commit are not held forever).
import { NEVER, map, mergeMap, of } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { HeaderNames } from '../records/headers.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe('the recordTimeout node option', () => {
  it('dead-letters a record whose operator never finishes as RECORD_TIMEOUT, delivers the rest, and drains', async () => {
    const input = topic('items.in', { value: Item, partitions: 2 });
    const output = topic('items.out', { value: Item, partitions: 1 });
    const stuck = named('answersAllButItem3', mergeMap((r: Rec<string, Item>) => (r.key === 'item-3' ? NEVER : of(r))));
    const collected: string[] = [];
    const t = topology('timeouts')
      .node('feed', (n) => n.source(items(10)).to(input))
      .node('work', (n) => n.from(input).pipe(stuck).to(output), { recordTimeout: '300ms' })
      .node('collect', (n) => n.from(output).pipe(map((r) => (collected.push(r.value.id), r))));
    const transport = new MemoryTransport();
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    const started = Date.now();
    await runner.start();
    await runner.runUntilDrained();

    expect([...collected].sort()).toEqual(['item-0', 'item-1', 'item-2', 'item-4', 'item-5', 'item-6', 'item-7', 'item-8', 'item-9']);
    expect(Date.now() - started, 'drained soon after the timeout, not never').toBeLessThan(10_000);
    const work = runner.stats().find((s) => s.node === 'work')!;
    expect({ processed: work.processed, deadLettered: work.deadLettered, inFlight: work.inFlight }).toEqual({ processed: 9, deadLettered: 1, inFlight: 0 });

    const dlq = await transport.reader();
    const letters = [];
    for (const partition of [0]) {
      await dlq.assign([{ topic: 'work.dlq', partition, offset: 0 }]);
      letters.push(...(await dlq.poll(10, 200)));
    }
    await dlq.close();
    expect(letters).toHaveLength(1);
    const headers = letters[0]!.headers;
    expect(headers[HeaderNames.errorCode]).toBe('RECORD_TIMEOUT');
    expect(headers[HeaderNames.errorMessage] ?? '').toContain('300 ms');
  });
});
