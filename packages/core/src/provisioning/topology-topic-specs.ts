import type { Topology } from '../dsl/topology.js';
import { instancesTopic } from '../query/instances-topic.js';
import { NodeTopics } from '../runtime/node/node-topics.js';
import type { TopicSpec } from '../transport/transport.js';

/** Where a topic comes from, as `vision-flow plan` shows it. */
export type ProvisionedRole = 'input' | 'intermediate' | 'output' | 'repartition' | 'dead-letter' | 'changelog' | 'instances';

export interface ProvisionedTopic {
  readonly spec: TopicSpec;
  readonly role: ProvisionedRole;
}

/**
 * Every topic a topology's nodes need, with the specs the runtime creates them with (each node's
 * NodeTopics: inputs, output, dead letters, changelogs) and the instances topic of each node with
 * stores (the query views' directory). Sorted by name.
 */
export function topologyTopics(topology: Topology): ProvisionedTopic[] {
  const roles = new Map(topology.describe().topics.map((d) => [d.name, d.role]));
  const out = new Map<string, ProvisionedTopic>();
  for (const node of topology.nodes) {
    for (const spec of new NodeTopics(topology.name, node).specs()) {
      const role = roles.get(spec.name) ?? 'input';
      out.set(spec.name, { spec, role: role === 'intermediate' && spec.name.endsWith('.repartition') ? 'repartition' : role });
    }
    if (node.stores.length > 0) {
      const t = instancesTopic(topology.name, node.name);
      out.set(t.name, { spec: { name: t.name, partitions: t.partitions, compacted: t.compacted }, role: 'instances' });
    }
  }
  return [...out.values()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));
}
