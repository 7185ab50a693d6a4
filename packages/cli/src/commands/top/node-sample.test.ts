import { describe, expect, it } from 'vitest';
import { NodeEndpoints, NodeHttpServer, NodeMetrics, NodeReadiness, TopologyRunner, MemoryTransport, InMemorySchemaRegistry, topic, topology } from '@vision-flow/core';
import { Item, items } from '@vision-flow/core/testing';
import { scrapeNode } from './node-sample.js';

describe('scrapeNode', () => {
  it("reads a node process's /metrics into a row per node, and says when a process cannot be reached", async () => {
    const a = topic('sample.a', { value: Item, partitions: 2 });
    const t = topology('sampled')
      .node('feed', (n) => n.source(items(3)).to(a))
      .node('sink', (n) => n.from(a));
    const transport = new MemoryTransport();
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20, commitIntervalMs: 20 } });
    const metrics = new NodeMetrics(runner, { transport, processMetrics: false });
    const readiness = new NodeReadiness(runner);
    const server = await NodeHttpServer.listen(0);
    server.mount(new NodeEndpoints({ topology: t.name, nodes: ['feed', 'sink'] }, readiness, metrics));
    try {
      await runner.start();
      await runner.runUntilDrained();
      const sample = await scrapeNode(server.url);
      expect('rows' in sample && [...sample.rows].sort((x, y) => x.node.localeCompare(y.node))).toEqual([
        { node: 'feed', state: 'stopped', recordsIn: 3, recordsOut: 3, lag: undefined, inFlight: 0, credits: expect.any(Number), deadLetters: 0, failures: 0 },
        { node: 'sink', state: 'stopped', recordsIn: 3, recordsOut: 0, lag: 0, inFlight: 0, credits: expect.any(Number), deadLetters: 0, failures: 0 },
      ]);
    } finally {
      await server.close();
      metrics.close();
      readiness.close();
      await transport.close();
    }
    const gone = await scrapeNode(server.url);
    expect(gone).toMatchObject({ url: server.url, error: 'ECONNREFUSED' });
  });
});
