import { filter, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import imagePipeline from '../../../../topologies/image-pipeline.js';
import { isVisionFlowError } from '../errors/vision-flow-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { stateful } from '../processor/stateful.js';
import { keyValueStore } from '../state/stores.js';
import { avro, type Infer } from '../serde/avro/schema.js';
import type { Rec } from '../records/record.js';
import type { Source, SourceReader } from './source.js';
import { named } from './named.js';
import { DEFAULT_MAX_IN_FLIGHT } from './node-options.js';
import { topic } from './topic.js';
import { isTopology, topology, type Topology } from './topology.js';
import type { TopologyDescription } from './describe.js';

const Image = avro.record('t.Image', { id: avro.string(), image: avro.bytes() });
const Count = avro.record('t.Count', { id: avro.string(), n: avro.int() });

/** A source that never gives anything: the DSL only needs its kind and settings. */
function fakeSource(kind: string, settings: { [k: string]: string } = {}): Source<string, { id: string; image: Buffer }> {
  return {
    kind,
    bounded: true,
    describe: () => settings,
    open: async (): Promise<SourceReader<string, { id: string; image: Buffer }>> => ({ next: async () => null, close: async () => undefined }),
  };
}

type AnyRec = Rec<string, unknown>;

/** A stateful operator with one logged key-value store named `seen`. */
function countPerKey() {
  return stateful<AnyRec, AnyRec>({
    name: 'countPerKey',
    stores: [keyValueStore('seen', { key: avro.string(), value: avro.long() })],
    get: (): Processor<AnyRec, AnyRec> => {
      let ctx!: ProcessorContext<AnyRec>;
      return { init: (c) => void (ctx = c), process: (r) => void ctx.forward(r), close: () => undefined };
    },
  });
}

/** The error a build step throws, for asserting its type, code and message together. */
function thrown(build: () => unknown): { name: string; code: string; message: string } {
  try {
    build();
  } catch (e) {
    if (!isVisionFlowError(e)) throw e;
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected the build step to throw');
}

/** Edges as `from -> to` between nodes and topics, read off a description. */
function edges(d: TopologyDescription): string[] {
  return d.nodes
    .flatMap((n) => [...(n.input.kind === 'topics' ? n.input.topics.map((t) => `${t} -> ${n.name}`) : []), ...(n.output ? [`${n.name} -> ${n.output}`] : [])])
    .sort();
}

describe('topology DSL', () => {
  const images = topic('images', { value: Image, partitions: 3 });
  const counts = topic('counts', { value: Count });

  it('returns a new topology from .node() and leaves the one it was called on unchanged', () => {
    const empty = topology('t');
    const one = empty.node('ingest', (n) => n.source(fakeSource('dir')).to(images));
    expect(one).not.toBe(empty);
    expect(empty.nodes).toEqual([]);
    expect(one.nodes.map((n) => n.name)).toEqual(['ingest']);
    expect(isTopology(one)).toBe(true);
  });

  it('records a node that reads topics, its operators in pipe order, and the topic it writes', () => {
    const toCount = named('toCount', map((r: Rec<string, Infer<typeof Image>>) => r.withValue({ id: r.value.id, n: r.value.image.length })));
    const t = topology('t').node('count', (n) => n.from(images).pipe(filter(() => true)).pipe(toCount).to(counts));
    const { plan } = t.node$('count');
    expect(plan.input).toEqual({ kind: 'topics', topics: [images] });
    expect(plan.operators).toHaveLength(2);
    expect(plan.operators[1]).toBe(toCount);
    expect(plan.output).toBe(counts);
  });

  it('records a source node with the source it reads', () => {
    const source = fakeSource('dir');
    const t = topology('t').node('ingest', (n) => n.source(source).to(images));
    expect(t.node$('ingest').plan.input).toEqual({ kind: 'source', source });
  });

  it('gives each node the consumer group <topology>.<node> and the dead-letter topic <node>.dlq', () => {
    const t = topology('shop').node('ingest', (n) => n.source(fakeSource('dir')).to(images));
    expect([t.node$('ingest').groupId, t.node$('ingest').deadLetterTopic]).toEqual(['shop.ingest', 'ingest.dlq']);
  });

  it('resolves node options: DEFAULT_MAX_IN_FLIGHT and key ordering by default, the per-partition limit capped at the node limit', () => {
    const t = topology('t')
      .node('a', (n) => n.from(images))
      .node('b', (n) => n.from(images), { maxInFlight: 4, maxInFlightPerPartition: 10, ordering: 'unordered', recordTimeout: '2s' });
    expect(t.node$('a').options).toEqual({ maxInFlight: DEFAULT_MAX_IN_FLIGHT, maxInFlightPerPartition: DEFAULT_MAX_IN_FLIGHT, ordering: 'key', recordTimeoutMs: undefined });
    expect(t.node$('b').options).toEqual({ maxInFlight: 4, maxInFlightPerPartition: 4, ordering: 'unordered', recordTimeoutMs: 2000 });
  });

  it('lists every topic read or written once, in the order first used (not dead-letter or changelog topics)', () => {
    const t = topology('t')
      .node('ingest', (n) => n.source(fakeSource('dir')).to(images))
      .node('a', (n) => n.from(images).pipe(map((r) => r.withValue({ id: r.value.id, n: 1 }))).to(counts))
      .node('b', (n) => n.from(images, counts));
    expect(t.topics().map((x) => x.name)).toEqual(['images', 'counts']);
  });

  it('collects the stores of stateful operators into the node', () => {
    const t = topology('t').node('agg', (n) => n.from(counts).pipe(countPerKey()));
    expect(t.node$('agg').stores.map((s) => [s.name, s.kind, s.logged])).toEqual([['seen', 'key-value', true]]);
  });
});

describe('describe()', () => {
  const raw = topic('raw', { value: Image, partitions: 2 });
  const images = topic('images', { value: Image, partitions: 3 });
  const counts = topic('counts', { value: Count, partitions: 3, compacted: true });
  const small = topology('small')
    .node('ingest', (n) => n.source(fakeSource('directory', { dir: '$images' })).to(images))
    .node('relay', (n) => n.from(raw).to(images), { maxInFlight: 4, ordering: 'partition' })
    .node('count', (n) => n.from(images).pipe(named('toCount', map((r) => r.withValue({ id: r.value.id, n: r.value.image.length })))).to(counts))
    .node('agg', (n) => n.from(counts).pipe(countPerKey(), map((r) => r)));

  it('describes each node: input, operator names, output, stores, dead letters, group and limits', () => {
    expect(small.describe().nodes).toEqual([
      { name: 'ingest', input: { kind: 'source', source: 'directory', settings: { dir: '$images' } }, operators: [], output: 'images', stores: [], deadLetter: 'ingest.dlq', groupId: 'small.ingest', maxInFlight: DEFAULT_MAX_IN_FLIGHT, ordering: 'key' },
      { name: 'relay', input: { kind: 'topics', topics: ['raw'] }, operators: [], output: 'images', stores: [], deadLetter: 'relay.dlq', groupId: 'small.relay', maxInFlight: 4, ordering: 'partition' },
      { name: 'count', input: { kind: 'topics', topics: ['images'] }, operators: ['toCount'], output: 'counts', stores: [], deadLetter: 'count.dlq', groupId: 'small.count', maxInFlight: DEFAULT_MAX_IN_FLIGHT, ordering: 'key' },
      {
        name: 'agg',
        input: { kind: 'topics', topics: ['counts'] },
        operators: ['countPerKey', 'operator#2'],
        output: undefined,
        stores: [{ name: 'seen', kind: 'key-value', changelog: 'small.agg.seen.changelog' }],
        deadLetter: 'agg.dlq',
        groupId: 'small.agg',
        maxInFlight: DEFAULT_MAX_IN_FLIGHT,
        ordering: 'key',
      },
    ]);
  });

  it('gives each topic a role: input when no node writes it, intermediate when written and read, plus dead-letter and changelog topics', () => {
    expect(small.describe().topics).toEqual([
      { name: 'images', role: 'intermediate', partitions: 3, compacted: false, valueType: 't.Image', keyType: 'string' },
      { name: 'raw', role: 'input', partitions: 2, compacted: false, valueType: 't.Image', keyType: 'string' },
      { name: 'counts', role: 'intermediate', partitions: 3, compacted: true, valueType: 't.Count', keyType: 'string' },
      { name: 'ingest.dlq', role: 'dead-letter', partitions: 1, compacted: false, valueType: 'vision_flow.DeadLetter', keyType: 'string' },
      { name: 'relay.dlq', role: 'dead-letter', partitions: 1, compacted: false, valueType: 'vision_flow.DeadLetter', keyType: 'string' },
      { name: 'count.dlq', role: 'dead-letter', partitions: 1, compacted: false, valueType: 'vision_flow.DeadLetter', keyType: 'string' },
      { name: 'agg.dlq', role: 'dead-letter', partitions: 1, compacted: false, valueType: 'vision_flow.DeadLetter', keyType: 'string' },
      { name: 'small.agg.seen.changelog', role: 'changelog', partitions: 3, compacted: true, valueType: 'long', keyType: 'string' },
    ]);
  });

  it('calls a topic that is written and never read an output topic', () => {
    const t = topology('t').node('ingest', (n) => n.source(fakeSource('dir')).to(images));
    expect(t.describe().topics.find((x) => x.name === 'images')?.role).toBe('output');
  });

  it('is plain data that survives a JSON round trip (what `vision-flow graph --format json` prints)', () => {
    const d = small.describe();
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('has the edges topic -> node for each input and node -> topic for each output', () => {
    expect(edges(small.describe())).toEqual(['count -> counts', 'counts -> agg', 'images -> count', 'ingest -> images', 'raw -> relay', 'relay -> images']);
  });
});

describe('describe() of topologies/image-pipeline.ts', () => {
  const d = imagePipeline.describe();
  const node = (name: string) => d.nodes.find((n) => n.name === name)!;

  it('has the five nodes ingest, objects, faces, aggregate, deliver', () => {
    expect(d.name).toBe('image-pipeline');
    expect(d.nodes.map((n) => n.name)).toEqual(['ingest', 'objects', 'faces', 'aggregate', 'deliver']);
  });

  it('fans images out to both detectors and joins their results in aggregate', () => {
    expect(edges(d)).toEqual([
      'aggregate -> vision.analyses',
      'faces -> vision.faces',
      'images.submitted -> faces',
      'images.submitted -> objects',
      'ingest -> images.submitted',
      'objects -> vision.objects',
      'vision.analyses -> deliver',
      'vision.faces -> aggregate',
      'vision.objects -> aggregate',
    ]);
  });

  it('ingests from a directory source whose folder is the "images" parameter', () => {
    expect(node('ingest').input).toMatchObject({ kind: 'source', source: 'directory', settings: { dir: '$images', repeat: '$repeat (default 1)' } });
  });

  it('runs decodeImage then one detector in each vision node, 8 records in flight, unordered', () => {
    expect([node('objects').operators, node('faces').operators]).toEqual([
      ['decodeImage', 'detectObjects'],
      ['decodeImage', 'detectFaces'],
    ]);
    for (const n of [node('objects'), node('faces')]) expect([n.maxInFlight, n.ordering]).toEqual([8, 'unordered']);
  });

  it('keeps the join state of aggregate in a change-logged store with a compacted changelog of 6 partitions', () => {
    expect(node('aggregate').stores).toEqual([{ name: 'collect', kind: 'key-value', changelog: 'image-pipeline.aggregate.collect.changelog' }]);
    expect(d.topics.find((t) => t.role === 'changelog')).toMatchObject({ name: 'image-pipeline.aggregate.collect.changelog', partitions: 6, compacted: true });
  });

  it('types every topic with the Avro record of its schema, 6 partitions each', () => {
    const own = d.topics.filter((t) => t.role !== 'dead-letter' && t.role !== 'changelog');
    expect(own.map((t) => [t.name, t.valueType, t.partitions])).toEqual([
      ['images.submitted', 'vision.ImageSubmitted', 6],
      ['vision.objects', 'vision.ObjectsDetected', 6],
      ['vision.faces', 'vision.FacesDetected', 6],
      ['vision.analyses', 'vision.ImageAnalysis', 6],
    ]);
  });

  it('ends in deliver, a sink node without an output topic', () => {
    expect(node('deliver').output).toBeUndefined();
    expect(node('deliver').operators.map((o) => o.slice(0, o.indexOf('(')))).toEqual(['annotateToFolder', 'jsonLinesSink']);
  });
});

describe('topology validation', () => {
  const images = topic('images', { value: Image, partitions: 3 });
  const base: Topology = topology('t').node('ingest', (n) => n.source(fakeSource('dir')).to(images));

  it('refuses a second node with the same name', () => {
    expect(thrown(() => base.node('ingest', (n) => n.from(images)))).toEqual({
      name: 'TopologyError',
      code: 'TOPOLOGY_INVALID',
      message: 'topology "t" already has a node named "ingest"; node names must be unique',
    });
  });

  interface NameCase {
    readonly name: string;
    readonly why: string;
  }
  it.each<NameCase>([
    { name: '', why: 'empty' },
    { name: 'has space', why: 'a space' },
    { name: 'dot.ted', why: 'a dot (it would clash with <node>.dlq and group names)' },
    { name: '-leading', why: 'a leading dash' },
    { name: 'x'.repeat(64), why: '64 characters' },
  ])('refuses the node name "$name" ($why)', ({ name }) => {
    expect(thrown(() => base.node(name, (n) => n.from(images)))).toMatchObject({
      code: 'TOPOLOGY_INVALID',
      message: `topology "t": node name "${name}" is not allowed; use up to 63 letters, digits, "_" or "-", starting with a letter or digit`,
    });
  });

  it('accepts a node name of 63 letters, digits, "_" and "-"', () => {
    const name = `a_b-9${'x'.repeat(58)}`;
    expect(base.node(name, (n) => n.from(images)).nodes.map((n) => n.name)).toContain(name);
  });

  it('refuses an illegal topology name', () => {
    expect(thrown(() => topology('my topology'))).toMatchObject({ code: 'TOPOLOGY_INVALID', message: 'topology name "my topology" is not allowed; use up to 63 letters, digits, "_" or "-"' });
  });

  it('refuses a builder that returns something other than n.from(...) or n.source(...)', () => {
    expect(thrown(() => base.node('odd', () => 42 as never))).toMatchObject({
      code: 'TOPOLOGY_INVALID',
      message: 'node "odd": the builder must return n.from(...) or n.source(...), optionally with .pipe(...) and .to(topic)',
    });
  });

  it('refuses two declarations of one topic name with different settings', () => {
    const images6 = topic('images', { value: Image, partitions: 6 });
    expect(thrown(() => base.node('b', (n) => n.from(images6)))).toMatchObject({
      code: 'TOPOLOGY_INVALID',
      message: 'topic "images" is declared twice with different settings or schemas; declare it once and share it',
    });
  });

  it('refuses two declarations of one topic name with different value schemas', () => {
    const otherImages = topic('images', { value: Count, partitions: 3 });
    expect(thrown(() => base.node('b', (n) => n.from(otherImages)))).toMatchObject({ message: expect.stringContaining('topic "images" is declared twice') });
  });

  it('accepts two identical declarations of one topic', () => {
    const again = topic('images', { value: Image, partitions: 3 });
    expect(base.node('b', (n) => n.from(again)).topics().map((t) => t.name)).toEqual(['images']);
  });

  it('accepts a node reading a topic no node writes: it is an input topic fed from outside', () => {
    const external = topic('external', { value: Image });
    expect(() => topology('t').node('a', (n) => n.from(external))).not.toThrow();
  });

  it('refuses a stateful node over topics with different partition counts, naming each count', () => {
    const a = topic('a', { value: Count, partitions: 3 });
    const b = topic('b', { value: Count, partitions: 6 });
    expect(thrown(() => topology('t').node('agg', (n) => n.from(a, b).pipe(countPerKey())))).toMatchObject({
      code: 'TOPOLOGY_INVALID',
      message:
        'node "agg" keeps state over topics with different partition counts (a: 3, b: 6); a key must land in the same partition of each, so give them the same number of partitions',
    });
  });

  it('accepts a stateless node over topics with different partition counts', () => {
    const a = topic('a', { value: Count, partitions: 3 });
    const b = topic('b', { value: Count, partitions: 6 });
    expect(() => topology('t').node('merge', (n) => n.from(a, b))).not.toThrow();
  });

  interface OptionCase {
    readonly options: object;
    readonly message: string;
  }
  it.each<OptionCase>([
    { options: { maxInFlight: 0 }, message: 'node "n": maxInFlight must be a positive integer, got 0' },
    { options: { maxInFlight: 2.5 }, message: 'node "n": maxInFlight must be a positive integer, got 2.5' },
    { options: { maxInFlightPerPartition: -1 }, message: 'node "n": maxInFlightPerPartition must be a positive integer, got -1' },
    { options: { ordering: 'random' }, message: 'node "n": ordering must be key, partition or unordered, got "random"' },
  ])('refuses node options $options', ({ options, message }) => {
    expect(thrown(() => topology('t').node('n', (n) => n.from(images), options as never))).toMatchObject({ code: 'TOPOLOGY_INVALID', message });
  });

  it('refuses an unreadable recordTimeout with a ConfigError naming the node', () => {
    expect(thrown(() => topology('t').node('n', (n) => n.from(images), { recordTimeout: 'soon' as never }))).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'node "n" recordTimeout: cannot read "soon" as a duration; write it like 250ms, 30s, 5m, 1h or 7d',
    });
  });

  it('names the existing nodes when asked for one it does not have', () => {
    expect(thrown(() => base.node$('nope'))).toMatchObject({ code: 'TOPOLOGY_INVALID', message: 'topology "t" has no node "nope"; its nodes are ingest' });
  });

  interface TopicCase {
    readonly name: string;
  }
  it.each<TopicCase>([{ name: '' }, { name: 'a b' }, { name: 'ä' }, { name: '.' }, { name: '..' }, { name: 'x'.repeat(250) }])('refuses the topic name "$name"', ({ name }) => {
    expect(thrown(() => topic(name, { value: Image }))).toMatchObject({
      code: 'TOPOLOGY_INVALID',
      message: `topic name "${name}" is not legal in Kafka: use 1–249 characters of a-z, A-Z, 0-9, ".", "_" and "-"`,
    });
  });

  it('refuses a topic with a partition count that is not a positive integer', () => {
    expect(thrown(() => topic('t', { value: Image, partitions: 0 }))).toMatchObject({ code: 'TOPOLOGY_INVALID', message: 'topic "t": partitions must be a positive integer, got 0' });
  });

  it('declares topics with 6 partitions, not compacted, 1 MiB records and string keys by default', () => {
    const t = topic('t', { value: Image });
    expect([t.partitions, t.compacted, t.maxMessageBytes, t.key.json, t.retentionMs]).toEqual([6, false, 1_048_576, 'string', undefined]);
  });
});
