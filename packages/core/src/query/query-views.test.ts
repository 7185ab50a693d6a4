// The query views of a running node on the memory transport: the routes answer from the stores
// of the tasks running here, and with two instances of one node a key asked of the one that does
// not hold its partition is answered 421 naming the one that does.
import { afterEach, describe, expect, it } from 'vitest';
import queryTopology, { BASE, CAMERAS, MINUTE, READINGS, expectedCount, expectedSession, expectedWindows } from '../../../../test/fixtures/query-views/counts-topology.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryBroker } from '../transport/memory/memory-broker.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import { NodeEndpoints } from '../metrics/node-endpoints.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { NodeReadiness } from '../metrics/node-readiness.js';
import { NodeHttpServer } from './node-http-server.js';
import { QueryViews } from './query-views.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cameras = Array.from({ length: CAMERAS }, (_, i) => `cam-${i}`);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read back from the server
  body: any;
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One instance: a runner of `nodes` on the shared broker, with its query views on a free port. */
async function instance(broker: MemoryBroker, registry: InMemorySchemaRegistry, instanceId: string, nodes?: string[]): Promise<{ runner: TopologyRunner; views: QueryViews; url: string }> {
  const transport = new MemoryTransport({ broker });
  const runner = new TopologyRunner(queryTopology, { transport, registry, nodes, log: () => undefined, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } });
  const views = new QueryViews(runner, { transport, registry, port: 0, instanceId });
  cleanups.push(() => transport.close(), () => runner.stop(), () => views.close());
  await runner.start();
  const url = await views.start();
  return { runner, views, url };
}

const processed = (runners: TopologyRunner[], node = 'count') => runners.flatMap((r) => r.stats()).filter((s) => s.node === node).reduce((n, s) => n + s.processed, 0);

describe('query views', () => {
  it('serves key-value gets, window fetches, key ranges, the store list and health from the tasks running here', async () => {
    const { runner, url } = await instance(new MemoryBroker(), new InMemorySchemaRegistry(), 'solo');
    await until('every reading counted', () => processed([runner]) === READINGS);

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${url}/health`)).toEqual({ status: 200, body: { status: 'ok', instanceId: 'solo' } });

    const stores = await get(`${url}/stores`);
    expect(stores.status).toBe(200);
    expect(stores.body.instanceId).toBe('solo');
    expect(stores.body.stores).toEqual([
      { name: 'counts', node: 'count', kind: 'key-value', partitions: [0, 1, 2, 3] },
      { name: 'per-minute', node: 'count', kind: 'window', partitions: [0, 1, 2, 3] },
      { name: 'camera-minutes', node: 'minutes', kind: 'window', partitions: [0, 1, 2, 3] },
      { name: 'activity', node: 'activity', kind: 'window', partitions: [0, 1, 2, 3] },
    ]);
    await until('the instance read back its own entry', async () => (await get(`${url}/stores`)).body.instances.count.length === 1);
    expect((await get(`${url}/stores`)).body.instances.count).toEqual([expect.objectContaining({ instanceId: 'solo', url, partitions: [0, 1, 2, 3] })]);

    for (const camera of cameras) {
      const a = await get(`${url}/stores/counts/${camera}`);
      expect(a.status, camera).toBe(200);
      expect(a.body).toMatchObject({ store: 'counts', key: camera, value: expectedCount(camera), instanceId: 'solo' });
    }

    const missing = await get(`${url}/stores/counts/cam-99`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('key cam-99 is not in store "counts"');

    // Windows whose start lies in [from, to], both ends inclusive; ms or ISO time.
    const all = await get(`${url}/stores/per-minute/cam-1`);
    expect(all.status).toBe(200);
    expect(all.body.windows).toEqual(expectedWindows('cam-1'));
    const second = expectedWindows('cam-1').filter((w) => w.start >= BASE + MINUTE && w.start <= BASE + 2 * MINUTE);
    expect(second.length).toBeGreaterThan(0);
    const iso = await get(`${url}/stores/per-minute/cam-1?from=${new Date(BASE + MINUTE).toISOString()}&to=${BASE + 2 * MINUTE}`);
    expect(iso.body.windows).toEqual(second);

    // A time-windowed aggregation's store keeps { value, timestamp } (the window's latest record time).
    await until('the aggregations counted every reading', () => processed([runner], 'minutes') === READINGS && processed([runner], 'activity') === READINGS);
    const minutes = await get(`${url}/stores/camera-minutes/cam-1`);
    expect(minutes.body.windows.map((w: { start: number; end: number; value: { value: number } }) => ({ start: w.start, end: w.end, value: w.value.value }))).toEqual(expectedWindows('cam-1'));
    const activity = await get(`${url}/stores/activity/cam-6`);
    expect(activity.status).toBe(200);
    expect(activity.body.windows, 'a session store answers its sessions, [start, end] both inclusive').toEqual([expectedSession('cam-6')]);

    const range = await get(`${url}/stores/counts?from_key=cam-2&to_key=cam-4`);
    expect(range.status).toBe(200);
    expect(range.body.entries.map((e: { key: string; value: number }) => [e.key, e.value])).toEqual(['cam-2', 'cam-3', 'cam-4'].map((c) => [c, expectedCount(c)]));
    const everything = await get(`${url}/stores/counts`);
    expect(everything.body.entries).toHaveLength(CAMERAS);

    expect((await get(`${url}/stores/nope/x`)).status).toBe(404);
    expect((await get(`${url}/stores/counts/cam-1?from=0`)).status).toBe(400);
    expect((await get(`${url}/stores/per-minute/cam-1?from=yesterday`)).body.error).toContain('neither epoch milliseconds nor an ISO 8601 time');
    expect((await fetch(`${url}/stores`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the stores a joining instance restored once their partitions moved to it, and the one that gave them up redirects', async () => {
    const broker = new MemoryBroker();
    const registry = new InMemorySchemaRegistry();
    const a = await instance(broker, registry, 'a');
    await until('every reading counted on a', () => processed([a.runner]) === READINGS);
    const b = await instance(broker, registry, 'b', ['count']);
    const held = async (x: { url: string }) => (await get(`${x.url}/stores`)).body.stores[0].partitions as number[];
    await until('some partitions moved to b', async () => (await held(b)).length > 0 && (await held(a)).length + (await held(b)).length === 4);
    await until('a knows which', async () => ((await get(`${a.url}/stores`)).body.instances.count as Array<{ partitions: number[] }>).flatMap((i) => i.partitions).length === 4);

    for (const camera of cameras) {
      let answer = await get(`${a.url}/stores/counts/${camera}`);
      if (answer.status === 421) answer = await get(`${answer.body.owner.url}/stores/counts/${camera}`);
      expect(answer.status, camera).toBe(200);
      expect(answer.body.value, camera).toBe(expectedCount(camera));
    }
  });

  it('answers a key asked of the instance that does not hold its partition with 421 and the instance that does', async () => {
    const broker = new MemoryBroker();
    const registry = new InMemorySchemaRegistry();
    const a = await instance(broker, registry, 'a', ['count']);
    const b = await instance(broker, registry, 'b', ['count']);
    await instance(broker, registry, 'feed', ['feed']);
    await until('every reading counted', () => processed([a.runner, b.runner]) === READINGS);
    const held = async (x: { url: string }) => (await get(`${x.url}/stores`)).body.stores[0].partitions as number[];
    await until('the partitions split between a and b', async () => (await held(a)).length > 0 && (await held(b)).length > 0);
    await until('both know where every partition lives', async () => {
      const seen = (await get(`${a.url}/stores`)).body.instances.count as Array<{ instanceId: string; partitions: number[] }>;
      return seen.length === 2 && seen.flatMap((i) => i.partitions).length === 4;
    });

    let redirected = 0;
    for (const camera of cameras) {
      const first = await get(`${a.url}/stores/counts/${camera}`);
      if (first.status === 421) {
        redirected++;
        expect(first.body.owner).toEqual({ instanceId: 'b', url: b.url });
        expect(first.body.error).toContain(`held by instance b at ${b.url}`);
        const there = await get(`${first.body.owner.url}/stores/counts/${camera}`);
        expect(there.status).toBe(200);
        expect(there.body).toMatchObject({ value: expectedCount(camera), instanceId: 'b', partition: first.body.partition });
      } else {
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({ value: expectedCount(camera), instanceId: 'a' });
      }
    }
    expect(redirected, 'some cameras live on b').toBeGreaterThan(0);
    expect(redirected, 'some cameras live on a').toBeLessThan(CAMERAS);
  });

  it("serves the stores on the node's one HTTP server, beside /health, /ready and /metrics", async () => {
    const broker = new MemoryBroker();
    const registry = new InMemorySchemaRegistry();
    const transport = new MemoryTransport({ broker });
    const runner = new TopologyRunner(queryTopology, { transport, registry, log: () => undefined, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } });
    const server = await NodeHttpServer.listen(0);
    const metrics = new NodeMetrics(runner, { transport, processMetrics: false });
    const readiness = new NodeReadiness(runner);
    server.mount(new NodeEndpoints({ topology: queryTopology.name, nodes: runner.runners.map((r) => r.node) }, readiness, metrics));
    const views = new QueryViews(runner, { transport, registry, server, instanceId: 'shared' });
    cleanups.push(() => transport.close(), () => runner.stop(), () => views.close(), () => server.close(), async () => (metrics.close(), readiness.close()));
    await runner.start();
    expect(await views.start()).toBe(server.url);
    await until('every reading counted', () => processed([runner]) === READINGS);

    expect(await get(`${server.url}/stores/counts/cam-1`)).toMatchObject({ status: 200, body: { key: 'cam-1', value: expectedCount('cam-1'), instanceId: 'shared' } });
    expect((await get(`${server.url}/health`)).body).toMatchObject({ status: 'ok', topology: queryTopology.name });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('vision_flow_records_in_total{node="count"');
    const unknown = await get(`${server.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('no route /nope; routes: /health, /ready, /metrics, /stores');
    // Closed, the views leave the node's server serving the rest.
    await views.close();
    expect((await get(`${server.url}/stores`)).status).toBe(404);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('refuses to be made without a server or a port', () => {
    const transport = new MemoryTransport();
    const runner = new TopologyRunner(queryTopology, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined });
    expect(() => new QueryViews(runner, { transport, registry: new InMemorySchemaRegistry() })).toThrow('QueryViews needs where to serve: pass { server }');
  });
});
