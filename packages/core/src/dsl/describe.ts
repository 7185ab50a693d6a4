import { operatorName } from './named.js';
import type { Topology } from './topology.js';
import type { JsonValue } from '../types.js';
import type { AnyTopic } from './topic.js';
import { outputTopics } from './node-stream.js';

export type TopicRole = 'input' | 'intermediate' | 'output' | 'dead-letter' | 'changelog';

export interface TopicDescriptionEntry {
  readonly name: string;
  readonly role: TopicRole;
  readonly partitions: number;
  readonly compacted: boolean;
  /** Full name of the value's Avro type (or its primitive type). */
  readonly valueType: string;
  readonly keyType: string;
}

export interface NodeDescription {
  readonly name: string;
  readonly input: { readonly kind: 'topics'; readonly topics: readonly string[] } | { readonly kind: 'source'; readonly source: string; readonly settings: { readonly [k: string]: JsonValue } };
  readonly operators: readonly string[];
  readonly output: string | undefined;
  readonly stores: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly changelog: string | undefined }>;
  readonly deadLetter: string;
  readonly groupId: string;
  readonly maxInFlight: number;
  readonly ordering: string;
}

/** A plain, serialisable picture of a topology (Kafka Streams' TopologyDescription). */
export interface TopologyDescription {
  readonly name: string;
  readonly nodes: readonly NodeDescription[];
  readonly topics: readonly TopicDescriptionEntry[];
}

export function changelogTopicName(topologyName: string, node: string, store: string): string {
  return `${topologyName}.${node}.${store}.changelog`;
}

export function describeTopology(t: Topology): TopologyDescription {
  const written = new Set(t.nodes.flatMap((n) => outputTopics(n.plan).map((x) => x.name)));
  const read = new Set(t.nodes.flatMap((n) => (n.plan.input.kind === 'topics' ? n.plan.input.topics.map((x) => x.name) : [])));
  const topics: TopicDescriptionEntry[] = t.topics().map((topic) => ({
    ...topicTypes(topic),
    name: topic.name,
    role: !written.has(topic.name) ? 'input' : read.has(topic.name) ? 'intermediate' : 'output',
    partitions: topic.partitions,
    compacted: topic.compacted,
  }));
  const nodes = t.nodes.map((n): NodeDescription => {
    const { input } = n.plan;
    return {
      name: n.name,
      input:
        input.kind === 'topics'
          ? { kind: 'topics', topics: input.topics.map((x) => x.name) }
          : { kind: 'source', source: input.source.kind, settings: input.source.describe?.() ?? {} },
      operators: n.plan.operators.map((op, i) => operatorName(op, i)),
      output: n.plan.output?.name,
      stores: n.stores.map((s) => ({ name: s.name, kind: s.kind, changelog: s.logged ? changelogTopicName(t.name, n.name, s.name) : undefined })),
      deadLetter: n.deadLetterTopic,
      groupId: n.groupId,
      maxInFlight: n.options.maxInFlight,
      ordering: n.options.ordering,
    };
  });
  const partitionsOf = (n: (typeof t.nodes)[number]) => (n.plan.input.kind === 'topics' ? Math.max(...n.plan.input.topics.map((x) => x.partitions)) : 1);
  for (const n of t.nodes) {
    topics.push({ name: n.deadLetterTopic, role: 'dead-letter', partitions: 1, compacted: false, valueType: 'vision_flow.DeadLetter', keyType: 'string' });
    for (const s of n.stores) {
      if (s.logged) topics.push({ name: changelogTopicName(t.name, n.name, s.name), role: 'changelog', partitions: partitionsOf(n), compacted: true, valueType: typeName(s.changelogValue.json), keyType: typeName(s.changelogKey.json) });
    }
  }
  return { name: t.name, nodes, topics };
}

function topicTypes(topic: AnyTopic): { valueType: string; keyType: string } {
  return { valueType: typeName(topic.value.json), keyType: typeName(topic.key.json) };
}

function typeName(json: unknown): string {
  if (typeof json === 'string') return json;
  if (Array.isArray(json)) return json.map(typeName).join(' | ');
  const o = json as { type: unknown; name?: string; items?: unknown; values?: unknown };
  if (o.name) return o.name;
  if (o.type === 'array') return `array<${typeName(o.items)}>`;
  if (o.type === 'map') return `map<${typeName(o.values)}>`;
  return typeName(o.type);
}
