// Per-record output topics (`.to(perTenant(t))`): each record lands on its tenant's topic, with the
// template's schemas registered under that topic's subjects; a record without a tenant is
// dead-lettered with its reason, never written to a default topic.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyError } from '../errors/topology-error.js';
import type { Rec } from '../records/record.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { topologySubjects } from '../runtime/topology-subjects.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { Item, items } from '../testing/items.js';
import { testDriver, type TestDriver } from '../testing/test-driver.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { IncomingMessage } from '../transport/transport.js';
import { topic } from './topic.js';
import { HeaderNames } from '../records/headers.js';
import { perTenant, topicPerRecord } from './topic-router.js';
import { topology } from './topology.js';

const results = topic('router.results', { value: Item, partitions: 1 });
const analyses = topic('analyses', { value: Item, partitions: 2 });


const drivers: TestDriver[] = [];
const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe('perTenant', () => {
  it('writes each record to its declared tenant topic and dead-letters records without a tenant, of an unknown one, or an illegal id', async () => {
    const t = topology('tenants').node('split', (n) => n.from(results).to(perTenant(analyses, { tenants: ['acme', 'globex'] })));
    const d = await testDriver(t);
    drivers.push(d);
    const input = d.inputTopic(results);
    await input.pipeInput('a1', { id: 'a1' }, 1, { [HeaderNames.tenant]: 'acme' });
    await input.pipeInput('g1', { id: 'g1' }, 2, { [HeaderNames.tenant]: 'globex' });
    await input.pipeInput('a2', { id: 'a2' }, 3, { [HeaderNames.tenant]: 'acme' });
    await input.pipeInput('n1', { id: 'n1' }, 4);
    await input.pipeInput('u1', { id: 'u1' }, 5, { [HeaderNames.tenant]: 'initech' });
    await input.pipeInput('x1', { id: 'x1' }, 6, { [HeaderNames.tenant]: 'acme.evil' });

    expect(d.outputTopic(topic('analyses.acme', { value: Item, partitions: 2 })).readValuesToList()).toEqual([{ id: 'a1' }, { id: 'a2' }]);
    expect(d.outputTopic(topic('analyses.globex', { value: Item, partitions: 2 })).readValuesToList()).toEqual([{ id: 'g1' }]);
    expect(d.deadLetters('split').map((l) => [l.key, l.code])).toEqual([['n1', 'TENANT_MISSING'], ['u1', 'TENANT_UNKNOWN'], ['x1', 'TENANT_INVALID']]);
  });

  it('creates an undeclared tenant topic on its first record, registering the template schemas under its subjects', async () => {
    const tenants = ['acme', 'globex', 'acme', 'initech'];
    const t = topology('tenants-on-use')
      .node('feed', (n) => n.source(items(4)).pipe(map((r: Rec<string, Item>) => r.withHeaders({ [HeaderNames.tenant]: tenants[Number(r.key.slice(5))]! }))).to(results))
      .node('split', (n) => n.from(results).to(perTenant(analyses)));
    const transport = new MemoryTransport();
    transports.push(transport);
    const registry = new InMemorySchemaRegistry();
    const runner = new TopologyRunner(t, { transport, registry, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();

    const topics = await transport.admin().listTopics();
    expect(topics.filter((n) => n.startsWith('analyses')).sort()).toEqual(['analyses.acme', 'analyses.globex', 'analyses.initech']); // no bare "analyses"
    expect((await transport.admin().describeTopic('analyses.acme'))?.partitions).toBe(2);
    const ids = async (name: string) => (await readAll(transport, name, 2)).map((m) => m.key?.subarray(6).toString()).sort();
    expect(await ids('analyses.acme')).toEqual(['item-0', 'item-2']);
    expect(await ids('analyses.globex')).toEqual(['item-1']);
    expect(await ids('analyses.initech')).toEqual(['item-3']);
    for (const tenant of ['acme', 'globex', 'initech']) {
      expect((await registry.versions(`analyses.${tenant}-value`)).at(-1)?.schema).toEqual((await registry.versions('router.results-value')).at(-1)?.schema);
    }
  });

  it('shows the routed topics as a pattern in describe(), and lists only declared tenant topics as topics and subjects', () => {
    const t = topology('tenants-described').node('split', (n) => n.from(results).to(perTenant(analyses, { tenants: ['acme'] })));
    expect(t.describe().nodes[0]!.output).toBe('analyses.<tenant>');
    expect(t.topics().map((x) => x.name)).toEqual(['router.results', 'analyses.acme']);
    expect(topologySubjects(t).filter((s) => s.writes && s.role === 'output').map((s) => s.subject)).toEqual(['analyses.acme-key', 'analyses.acme-value']);
    const custom = perTenant(analyses, { topicName: (tenant) => `tenant.${tenant}.analyses` });
    expect(custom.name).toBe('tenant.<tenant>.analyses');
  });

  it('refuses an illegal declared tenant when the topology is built', () => {
    expect(() => perTenant(analyses, { tenants: ['acme', 'a.b'] })).toThrow(TopologyError);
    expect(() => topicPerRecord(analyses, () => 'x', { describeAs: 'x', createOnUse: false })).toThrow(/no known topics/);
  });
});

async function readAll(transport: MemoryTransport, name: string, partitions: number): Promise<IncomingMessage[]> {
  const reader = await transport.reader();
  await reader.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: name, partition, offset: 0 })));
  const out = await reader.poll(100, 200);
  await reader.close();
  return out;
}
