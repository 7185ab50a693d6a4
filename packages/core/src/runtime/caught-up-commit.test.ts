// A stateless node that has caught up with its input commits at once, not at its next commit tick:
// its lag reads 0 as soon as that is true, and a crash while it idles re-reads nothing; a trickle of
// input does not make it commit every record. Memory transport; the commit intervals are long, so
// only the caught-up commit can pass the tests.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Source } from '../dsl/source.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const input = topic('items.in', { value: Item, partitions: 2 });
const output = topic('items.out', { value: Item, partitions: 1 });
const pipeline = (source: Source<string, Item>) =>
  topology('caught-up')
    .node('feed', (n) => n.source(source).to(input))
    .node('work', (n) => n.from(input).pipe(named('pass', map((r: Rec<string, Item>) => r))).to(output));
const t = pipeline(items(40));

let runner: TopologyRunner | undefined;
let transport: MemoryTransport | undefined;
afterEach(async () => {
  await runner?.stop().catch(() => undefined);
  await transport?.close();
});

describe('a stateless node that has caught up', () => {
  it('commits everything it has done at once, long before its commit interval', async () => {
    transport = new MemoryTransport();
    runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), node: { pollTimeoutMs: 20, commitIntervalMs: 60_000 } });
    await runner.start();
    const admin = transport.admin();
    const committed = async () => (await admin.committedOffsets(t.node$('work').groupId, input.name)).reduce((n, o) => n + o.offset, 0);
    const deadline = Date.now() + 10_000;
    while ((await committed()) < 40 && Date.now() < deadline) await sleep(20);
    expect(runner.stats().find((s) => s.node === 'work')!.processed).toBe(40);
    expect(await committed(), 'offsets committed within 10 s with a 60 s commit interval').toBe(40);
  });

  it('commits a trickle at most four times per commit interval, and the last record soon after it', async () => {
    const trickled = pipeline(items(25, { everyMs: 40 }));
    transport = new MemoryTransport();
    runner = new TopologyRunner(trickled, { transport, registry: new InMemorySchemaRegistry(), node: { pollTimeoutMs: 10, commitIntervalMs: 8_000 } });
    let commits = 0;
    runner.emitter.on('node.committed', (e) => void (e.payload.node === 'work' && commits++));
    await runner.start();
    const admin = transport.admin();
    const committed = async () => (await admin.committedOffsets(trickled.node$('work').groupId, input.name)).reduce((n, o) => n + o.offset, 0);
    const deadline = Date.now() + 6_000;
    while ((await committed()) < 25 && Date.now() < deadline) await sleep(20);
    expect(await committed(), 'all 25 committed within 6 s with an 8 s commit interval').toBe(25);
    // 25 records over ~1 s with an empty poll between each two: one commit per record without the bound.
    expect(commits).toBeLessThanOrEqual(3);
  });
});
