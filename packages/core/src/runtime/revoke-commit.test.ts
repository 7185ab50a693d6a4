// A node whose commits get no answer, or fail only after a long wait (a group coordinator away, as
// during a broker restart), must still give up the partitions a rebalance takes from it: the commit
// in onRevoked is bounded, and periodic commits do not pile up in front of it. Memory transport;
// process A's consumers commit only when the test lets them, process B joins the group.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { named } from '../dsl/named.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { VisionFlowError } from '../errors/vision-flow-error.js';
import { InstrumentationEmitter } from '../instrumentation/emitter.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryBroker } from '../transport/memory/memory-broker.js';
import type { MemoryConsumer } from '../transport/memory/memory-consumer.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { ConsumerOptions, TopicPartitionOffset } from '../transport/transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Consumers whose commit waits while `held`: for ever, or `failAfterMs` and then fails as a coordinator away would. */
class HeldCommits extends MemoryTransport {
  held = true;
  failAfterMs: number | undefined;

  override async consumer(opts: ConsumerOptions): Promise<MemoryConsumer> {
    const c = await super.consumer(opts);
    const commit = c.commit.bind(c);
    c.commit = async (offsets: readonly TopicPartitionOffset[]) => {
      while (this.held) {
        if (this.failAfterMs !== undefined) {
          await sleep(this.failAfterMs);
          throw new VisionFlowError('commit failed: coordinator not available', { code: 'KAFKA__WAIT_COORD', retriable: true });
        }
        await sleep(10);
      }
      return commit(offsets);
    };
    return c;
  }
}

const runners: TopologyRunner[] = [];
const transports: MemoryTransport[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop().catch(() => undefined);
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

const input = topic('items.in', { value: Item, partitions: 2 });
const output = topic('items.out', { value: Item, partitions: 1 });
const t = topology('stall')
  .node('feed', (n) => n.source(items(20)).to(input))
  .node('work', (n) => n.from(input).pipe(named('pass', map((r: Rec<string, Item>) => r))).to(output));

/**
 * Runs feed and work in A (commits held), waits until work has read everything and `pileUpMs` of
 * periodic commits went by, then starts a second work member in B. Returns how long B waited for
 * its first partition, and A's log.
 */
async function revokeWhileHeld(opts: { failAfterMs?: number; revokeTimeoutMs?: number; pileUpMs: number }): Promise<{ assignedAfterMs: number; logA: string[]; a: HeldCommits; broker: MemoryBroker }> {
  const broker = new MemoryBroker();
  const a = new HeldCommits({ broker });
  a.failAfterMs = opts.failAfterMs;
  const b = new MemoryTransport({ broker });
  transports.push(a, b);
  const registry = new InMemorySchemaRegistry();
  const logA: string[] = [];
  const node = { pollTimeoutMs: 20, commitIntervalMs: 10, ...(opts.revokeTimeoutMs === undefined ? {} : { revokeTimeoutMs: opts.revokeTimeoutMs }) };
  const runnerA = new TopologyRunner(t, { transport: a, registry, log: (m) => logA.push(m), node });
  runners.push(runnerA);
  await runnerA.start();
  for (let i = 0; i < 500 && runnerA.stats().find((s) => s.node === 'work')!.processed < 20; i++) await sleep(10);
  expect(runnerA.stats().find((s) => s.node === 'work')!.processed).toBe(20);
  await sleep(opts.pileUpMs);

  const emitterB = new InstrumentationEmitter(() => undefined);
  let assignedAt: number | undefined;
  emitterB.on('node.partitions_assigned', () => (assignedAt ??= Date.now()));
  const runnerB = new TopologyRunner(t, { transport: b, registry, nodes: ['work'], emitter: emitterB, log: () => undefined, node: { pollTimeoutMs: 20, commitIntervalMs: 10 } });
  runners.push(runnerB);
  const joined = Date.now();
  await runnerB.start();
  for (let i = 0; i < 1000 && assignedAt === undefined; i++) await sleep(10);
  return { assignedAfterMs: (assignedAt ?? Infinity) - joined, logA, a, broker };
}

describe('commits that get no answer do not hold a rebalance', () => {
  it('gives up a revoked partition after revokeTimeoutMs when its commit never answers, and commits again once it can', async () => {
    const { assignedAfterMs, logA, a, broker } = await revokeWhileHeld({ revokeTimeoutMs: 300, pileUpMs: 200 });

    expect(assignedAfterMs, 'the joining member got its partition without waiting for the 45 s session timeout').toBeLessThan(3_000);
    expect(logA.join('\n')).toContain('commit on revoke got no answer in 300 ms');

    // The coordinator is back: the stuck commit completes and later ones follow; nothing is left behind.
    a.held = false;
    for (let i = 0; i < 300 && broker.groupLag('stall.work').totalLag > 0; i++) await sleep(10);
    expect(broker.groupLag('stall.work').totalLag).toBe(0);
  });

  it('keeps one periodic commit waiting, not one per tick, so the commit on revoke is not queued behind them', async () => {
    // Each held commit fails after 100 ms; 1.5 s of 10 ms ticks would queue ~150 of them (15 s).
    const { assignedAfterMs } = await revokeWhileHeld({ failAfterMs: 100, pileUpMs: 1_500 });

    expect(assignedAfterMs, 'well before revokeTimeoutMs (10 s) would cut the wait short').toBeLessThan(3_000);
  });
});
