// Dependencies only some processes need load on first use, not with the package: a metrics registry
// (prom-client) in a process that serves metrics, lmdb in one that opens a persistent store, the
// Kafka binding (librdkafka) in one that makes a Kafka client. Checked
// in a fresh node process: Node's CommonJS cache and the process's memory map show what was loaded.
import { describe, expect, it } from 'vitest';
import { runInFreshNode } from '../../../test/helpers/fresh-node.js';

describe('@vision-flow/core loads on demand', () => {
  it('importing the package, and running a node on the memory transport, loads neither prom-client, lmdb nor librdkafka', async () => {
    const out = JSON.parse(await runInFreshNode([
      `import { readFileSync } from 'node:fs';`,
      `import { createRequire } from 'node:module';`,
      `const core = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});`,
      `const { Item, items } = await import(${JSON.stringify(new URL('./testing/items.ts', import.meta.url).href)});`,
      `const t = core.topology('lazy').node('a', (n) => n.source(items(3)).to(core.topic('lazy.out', { value: Item, partitions: 1 })));`,
      `const runner = new core.TopologyRunner(t, { transport: new core.MemoryTransport(), registry: new core.InMemorySchemaRegistry(), log: () => undefined });`,
      `await runner.start(); await runner.runUntilDrained();`,
      `const cached = Object.keys(createRequire(import.meta.url).cache);`,
      `const maps = readFileSync('/proc/self/maps', 'utf8');`,
      `console.log(JSON.stringify({ exports: Object.keys(core).length, promClient: cached.some((f) => f.includes('/prom-client/')), lmdb: cached.some((f) => f.includes('/lmdb/')) || maps.includes('lmdb'), kafka: cached.some((f) => f.includes('/kafka-javascript/')) || maps.includes('librdkafka') || maps.includes('confluent-kafka-javascript.node') }));`,
    ])) as { exports: number; promClient: boolean; lmdb: boolean; kafka: boolean };
    expect(out.exports).toBeGreaterThan(10);
    expect(out.promClient, 'prom-client loaded by importing the package').toBe(false);
    expect(out.lmdb, 'lmdb loaded by importing the package').toBe(false);
    expect(out.kafka, 'the Kafka binding loaded by a run on the memory transport').toBe(false);
  }, 70_000);
});
