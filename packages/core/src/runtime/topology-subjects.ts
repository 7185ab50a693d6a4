import type { Topology } from '../dsl/topology.js';
import { changelogTopicName, type TopicRole } from '../dsl/describe.js';
import { toAvroJson, type AvroJson } from '../serde/avro/schema.js';
import { deadLetterTopic } from './dead-letter.js';
import { outputTopics } from '../dsl/node-stream.js';

export interface TopologySubject {
  /** `<topic>-key` or `<topic>-value` (TopicNameStrategy). */
  readonly subject: string;
  readonly topic: string;
  readonly role: TopicRole;
  readonly schema: AvroJson;
  /** Whether the topology writes this topic (registers) or only reads it (must be able to read it). */
  readonly writes: boolean;
}

/** Every registry subject a topology reads or writes: its topics, dead-letter and changelog topics. */
export function topologySubjects(t: Topology): TopologySubject[] {
  const out = new Map<string, TopologySubject>();
  const add = (topic: string, role: TopicRole, key: AvroJson, value: AvroJson, writes: boolean) => {
    for (const [side, schema] of [['key', key], ['value', value]] as const) {
      const subject = `${topic}-${side}`;
      const prev = out.get(subject);
      out.set(subject, { subject, topic, role, schema, writes: writes || (prev?.writes ?? false) });
    }
  };
  const roles = new Map(t.describe().topics.map((d) => [d.name, d.role]));
  for (const node of t.nodes) {
    const { input } = node.plan;
    if (input.kind === 'topics') for (const topic of input.topics) add(topic.name, roles.get(topic.name) ?? 'input', toAvroJson(topic.key), toAvroJson(topic.value), false);
    for (const output of outputTopics(node.plan)) add(output.name, roles.get(output.name) ?? 'output', toAvroJson(output.key), toAvroJson(output.value), true);
    const dlq = deadLetterTopic(node.deadLetterTopic);
    add(dlq.name, 'dead-letter', toAvroJson(dlq.key), toAvroJson(dlq.value), true);
    for (const store of node.stores) {
      if (store.logged) add(changelogTopicName(t.name, node.name, store.name), 'changelog', toAvroJson(store.changelogKey), toAvroJson(store.changelogValue), true);
    }
  }
  return [...out.values()];
}
