// groupBy re-keys through a repartition topic: an internal node writes it, the user's node reads it.
import { afterEach, describe, expect, it } from 'vitest';
import { count } from '../aggregate/count.js';
import { record } from '../records/record.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { avro } from '../serde/avro/schema.js';
import { TopicSerde } from '../serde/topic-serde.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { Source, SourceReader } from './source.js';
import { topic } from './topic.js';
import { topology } from './topology.js';

const Detection = avro.record('t.CamDetection', { camera: avro.string() });
type Detection = { readonly camera: string };

function detections(n: number): Source<string, Detection> {
  return {
    kind: 'detections',
    bounded: true,
    open: async (): Promise<SourceReader<string, Detection>> => {
      let i = 0;
      return {
        total: n,
        next: async () => (i < n ? { record: record({ key: `img-${i}`, value: { camera: `cam-${i++ % 3}` }, timestamp: i }) } : null),
        close: async () => undefined,
      };
    },
  };
}

const images = topic('rp.images', { value: Detection, partitions: 4 });
const totals = topic('rp.totals', { value: avro.long(), partitions: 4 });
const build = () =>
  topology('rp')
    .node('feed', (n) => n.source(detections(30)).to(images))
    .node('per-camera', (n) =>
      n.from(images)
        .groupBy((r) => r.value.camera, { name: 'by-camera', key: avro.string(), value: Detection })
        .pipe(count({ name: 'totals', key: avro.string() }))
        .to(totals),
    );

const transports: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe('groupBy', () => {
  it('adds an internal node that re-keys into <topology>.<node>.<name>.repartition, which the node reads', () => {
    const d = build().describe();
    expect(d.nodes.map((n) => [n.name, n.input.kind === 'topics' ? n.input.topics : [], n.output])).toEqual([
      ['feed', [], 'rp.images'],
      ['per-camera-by-camera', ['rp.images'], 'rp.per-camera.by-camera.repartition'],
      ['per-camera', ['rp.per-camera.by-camera.repartition'], 'rp.totals'],
    ]);
    expect(d.nodes[1]!.operators).toEqual(['groupBy']);
    expect(d.topics.find((t) => t.name === 'rp.per-camera.by-camera.repartition')).toMatchObject({ role: 'intermediate', partitions: 4, keyType: 'string' });
  });

  it('counts per new key across input partitions', async () => {
    const t = build();
    const transport = new MemoryTransport();
    transports.push(transport);
    const registry = new InMemorySchemaRegistry();
    const runner = new TopologyRunner(t, { transport, registry, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 } });
    await runner.start();
    await runner.runUntilDrained();
    const serde = new TopicSerde(totals, registry);
    const reader = await transport.reader();
    await reader.assign([0, 1, 2, 3].map((partition) => ({ topic: totals.name, partition, offset: 0 })));
    const out = await Promise.all((await reader.poll(1000, 300)).map((m) => serde.fromMessage(m)));
    await reader.close();
    const latest = new Map(out.map((r) => [r.key, r.value]));
    expect(Object.fromEntries([...latest].sort())).toEqual({ 'cam-0': 10, 'cam-1': 10, 'cam-2': 10 });
    // One task counted all of a camera's records (read from 4 input partitions): its counts run 1..10.
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    for (const cam of ['cam-0', 'cam-1', 'cam-2']) expect(out.filter((r) => r.key === cam).map((r) => r.value).sort((a, b) => a - b)).toEqual(ten);
  });

  it('refuses a second groupBy in one node', () => {
    expect(() =>
      topology('rp').node('x', (n) =>
        n.from(images)
          .groupBy((r) => r.value.camera, { name: 'a', key: avro.string(), value: Detection })
          .groupBy((r) => r.key, { name: 'b', key: avro.string(), value: Detection }),
      ),
    ).toThrow(/at most once/);
  });
});
