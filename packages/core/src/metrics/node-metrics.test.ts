// NodeMetrics, NodeReadiness and NodeEndpoints on the node's HTTP server, around real runners on the
// memory transport: what each node did shows up under its own name in its own runner's registry.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetrics, samples, total } from '../../../../test/helpers/prometheus.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { named } from '../dsl/named.js';
import { withContext } from '../dsl/operator-context.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { VisionFlowError } from '../errors/vision-flow-error.js';
import { NodeHttpServer } from '../query/node-http-server.js';
import type { Rec } from '../records/record.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { Item, items } from '../testing/items.js';
import { NodeEndpoints } from './node-endpoints.js';
import { NodeMetrics } from './node-metrics.js';
import { NodeReadiness } from './node-readiness.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const a = topic('metrics.a', { value: Item, partitions: 2 });
const b = topic('metrics.b', { value: Item, partitions: 2 });
/** Reports an inference of "tiny" per record, as a detector does through its context. */
const fakeModel = withContext('fakeModel', (ctx) => map((r: Rec<string, Item>) => (ctx.report?.({ kind: 'inference', operator: 'fakeModel', model: 'tiny', durationMs: 3 }), r)));
const check = named('check', map((r: Rec<string, Item>) => {
  if (r.key === 'item-3') throw new VisionFlowError('item-3 is refused', { code: 'BAD_ITEM', retriable: false });
  return r;
}));
const t = topology('metered')
  .node('feed', (n) => n.source(items(5)).to(a))
  .node('work', (n) => n.from(a).pipe(fakeModel, check).to(b));

async function get(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('node metrics and endpoints', () => {
  it('counts records in/out, dead letters by reason, stage and inference latency and lag per node, in a registry per runner; /ready turns 200 once assigned', async () => {
    const transport = new MemoryTransport();
    cleanup.push(() => transport.close());
    const registry = new InMemorySchemaRegistry();
    const opts = { transport, registry, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } };
    const work = new TopologyRunner(t, { ...opts, nodes: ['work'] });
    const feed = new TopologyRunner(t, { ...opts, nodes: ['feed'] });
    const workMetrics = new NodeMetrics(work, { transport });
    const feedMetrics = new NodeMetrics(feed, { transport, processMetrics: false });
    const readiness = new NodeReadiness(work);
    const server = await NodeHttpServer.listen(0);
    server.mount(new NodeEndpoints({ topology: t.name, nodes: ['work'] }, readiness, workMetrics));
    cleanup.push(() => server.close(), () => workMetrics.close(), () => feedMetrics.close(), () => readiness.close(), () => work.stop());

    const before = await get(`${server.url}/ready`);
    expect(before.status).toBe(503);
    expect(JSON.parse(before.text)).toMatchObject({ status: 'not ready', nodes: { work: expect.stringContaining('assigned') } });
    expect((await get(`${server.url}/health`)).status).toBe(200);
    expect(JSON.parse((await get(`${server.url}/nope`)).text).error).toContain('/metrics');

    await work.start();
    await waitFor('/ready 200', async () => ((await get(`${server.url}/ready`)).status === 200 ? true : undefined), 30_000, 50);
    await feed.start();
    await feed.runUntilDrained();

    const scrape = async () => {
      const res = await get(`${server.url}/metrics`);
      expect(res.type).toContain('text/plain');
      return parseMetrics(res.text);
    };
    await waitFor('5 records in', async () => (total(await scrape(), 'vision_flow_records_in_total', { node: 'work' }) === 5 ? true : undefined), 30_000, 50);
    await waitFor('lag 0 on both partitions', async () => {
      const m = await scrape();
      return samples(m, 'vision_flow_consumer_lag', { node: 'work' }).length === 2 && total(m, 'vision_flow_consumer_lag') === 0 ? true : undefined;
    }, 30_000, 50);
    const m = await scrape();
    expect(total(m, 'vision_flow_records_in_total', { node: 'work', topic: a.name })).toBe(5);
    expect(total(m, 'vision_flow_records_out_total', { node: 'work', topic: b.name })).toBe(4);
    expect(total(m, 'vision_flow_dead_letters_total', { node: 'work', reason: 'BAD_ITEM' })).toBe(1);
    expect(total(m, 'vision_flow_stage_duration_seconds_count', { node: 'work', stage: 'fakeModel+check' })).toBe(5);
    expect(total(m, 'vision_flow_inference_duration_seconds_count', { node: 'work', operator: 'fakeModel', model: 'tiny' })).toBe(5);
    expect(total(m, 'vision_flow_record_duration_seconds_count', { node: 'work' })).toBe(4);
    expect(total(m, 'vision_flow_in_flight', { node: 'work' })).toBe(0);
    expect(total(m, 'vision_flow_pull_credits', { node: 'work' })).toBe(total(m, 'vision_flow_in_flight_limit', { node: 'work' }));
    expect(total(m, 'vision_flow_assigned_partitions', { node: 'work' })).toBe(2);
    expect(samples(m, 'vision_flow_records_in_total', { topology: 'metered' }).length).toBeGreaterThan(0);
    expect(m.has('process_cpu_user_seconds_total')).toBe(true);
    // The feed runner's registry holds only what the feed did.
    const f = parseMetrics(await feedMetrics.text());
    expect(total(f, 'vision_flow_records_out_total', { node: 'feed', topic: a.name })).toBe(5);
    expect(samples(f, 'vision_flow_records_in_total', { node: 'work' })).toEqual([]);
    expect(f.has('process_cpu_user_seconds_total')).toBe(false);
    // The same registry as JSON, for readers without a text parser.
    const json = JSON.parse((await get(`${server.url}/metrics?format=json`)).text) as Array<{ name: string }>;
    expect(json.map((x) => x.name)).toContain('vision_flow_consumer_lag');

    await work.stop();
    const after = await get(`${server.url}/ready`);
    expect(after.status).toBe(503);
    expect(JSON.parse(after.text).nodes.work).toContain('stopped');
  });

  it('still answers a scrape when the lag cannot be read, counting the failure', async () => {
    const transport = new MemoryTransport();
    cleanup.push(() => transport.close());
    const work = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, nodes: ['work'], node: { pollTimeoutMs: 20 } });
    // The brokers' offsets are out of reach (a broker away): every other metric must still be served.
    const admin = transport.admin();
    const failing = Object.assign(Object.create(admin) as typeof admin, { endOffsets: () => Promise.reject(new Error('brokers away')) });
    const unreachable = Object.assign(Object.create(transport) as MemoryTransport, { admin: () => failing });
    const metrics = new NodeMetrics(work, { transport: unreachable, processMetrics: false });
    cleanup.push(() => metrics.close(), () => work.stop());
    await work.start();
    const m = parseMetrics(await metrics.text());
    expect(total(m, 'vision_flow_assigned_partitions', { node: 'work' })).toBe(2);
    expect(samples(m, 'vision_flow_consumer_lag')).toEqual([]);
    expect(total(m, 'vision_flow_consumer_lag_read_errors_total')).toBe(1);
    expect(total(m, 'vision_flow_in_flight', { node: 'work' })).toBe(0);
  });

  it('shows restore progress per store and partition, and node failures by code, from their events', async () => {
    const transport = new MemoryTransport();
    cleanup.push(() => transport.close());
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, nodes: ['work'] });
    const metrics = new NodeMetrics(runner, { transport, processMetrics: false });
    cleanup.push(() => metrics.close());
    const base = { node: 'work', store: 'counts', partition: 1, fromOffset: 0, toOffset: 100 };
    runner.emitter.emit('store.restore_progress', { ...base, records: 40, total: 100, elapsedMs: 5 });
    let m = parseMetrics(await metrics.text());
    expect(total(m, 'vision_flow_restore_remaining_records', { node: 'work', store: 'counts', partition: '1' })).toBe(60);
    runner.emitter.emit('store.restored', { ...base, records: 100, durationMs: 9, persistent: false });
    runner.emitter.emit('node.failed', { node: 'work', code: 'CONNECTION_FAILED', message: 'brokers away' });
    m = parseMetrics(await metrics.text());
    expect(total(m, 'vision_flow_restore_remaining_records', { node: 'work', store: 'counts', partition: '1' })).toBe(0);
    expect(total(m, 'vision_flow_restored_records_total', { node: 'work', store: 'counts' })).toBe(100);
    expect(total(m, 'vision_flow_node_failures_total', { node: 'work', code: 'CONNECTION_FAILED' })).toBe(1);
    // Closed, the metrics no longer follow the runner.
    metrics.close();
    runner.emitter.emit('node.failed', { node: 'work', code: 'CONNECTION_FAILED', message: 'again' });
    expect((await metrics.text()).trim()).toBe('');
  });
});
