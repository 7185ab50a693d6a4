import { TopologyError } from '../errors/topology-error.js';
import { processorSupplierOf } from '../processor/stateful.js';
import type { StoreBuilder } from '../state/state-store.js';
import { describeTopology, type TopologyDescription } from './describe.js';
import { NodeBuilder, NodeEnd, NodeStream, outputTopics, type NodePlan } from './node-stream.js';
import { resolveNodeOptions, type NodeOptions, type ResolvedNodeOptions } from './node-options.js';
import type { AnyTopic } from './topic.js';
import { toAvroJson } from '../serde/avro/schema.js';
import { splitAtRepartition } from './repartition.js';

const TOPOLOGY = Symbol.for('vision-flow.topology');
const LEGAL_NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;

/** One node of a topology: the unit of deployment (a process or container of its own). */
export interface NodeDefinition {
  readonly name: string;
  readonly plan: NodePlan;
  readonly options: ResolvedNodeOptions;
  /** Stores declared by the node's stateful operators. */
  readonly stores: readonly StoreBuilder[];
  /** Consumer group of the node: `<topology>.<node>`. */
  readonly groupId: string;
  /** Where records the node cannot process go: `<node>.dlq`. */
  readonly deadLetterTopic: string;
}

/**
 * A named graph of nodes that talk only through topics. Immutable: `.node()` returns a new topology.
 *
 * @example
 * export default topology('image-pipeline')
 *   .node('ingest', (n) => n.source(directorySource({ dir: param('images') })).to(images))
 *   .node('objects', (n) => n.from(images).pipe(decodeImage(), detectObjects()).to(objects));
 */
export class Topology {
  readonly [TOPOLOGY] = true;

  /** @internal use `topology(name)` */
  constructor(
    readonly name: string,
    readonly nodes: readonly NodeDefinition[] = [],
  ) {}

  node(name: string, build: (n: NodeBuilder) => NodeStream<unknown> | NodeEnd, options?: NodeOptions): Topology {
    if (!LEGAL_NODE_NAME.test(name)) {
      throw new TopologyError(`topology "${this.name}": node name "${name}" is not allowed; use up to 63 letters, digits, "_" or "-", starting with a letter or digit`, { node: name });
    }
    if (this.nodes.some((n) => n.name === name)) {
      throw new TopologyError(`topology "${this.name}" already has a node named "${name}"; node names must be unique`, { node: name });
    }
    const built = build(new NodeBuilder());
    if (!(built instanceof NodeStream) && !(built instanceof NodeEnd)) {
      throw new TopologyError(`node "${name}": the builder must return n.from(...) or n.source(...), optionally with .pipe(...) and .to(topic)`, { node: name });
    }
    // A node that re-keys (groupBy) becomes an internal node writing the repartition topic, then this one.
    const defs = splitAtRepartition(this.name, name, built.plan).map((part): NodeDefinition => {
      if (part.name !== name && (!LEGAL_NODE_NAME.test(part.name) || this.nodes.some((n) => n.name === part.name))) {
        throw new TopologyError(`node "${name}": its groupBy needs an internal node "${part.name}", whose name is taken or too long; rename the groupBy`, { node: name });
      }
      return {
        name: part.name,
        plan: part.plan,
        options: resolveNodeOptions(part.name, part.name === name ? options : undefined),
        stores: part.plan.operators.flatMap((op) => processorSupplierOf(op)?.stores ?? []),
        groupId: `${this.name}.${part.name}`,
        deadLetterTopic: `${part.name}.dlq`,
      };
    });
    const next = new Topology(this.name, [...this.nodes, ...defs]);
    next.validate();
    return next;
  }

  node$(name: string): NodeDefinition {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError(`topology "${this.name}" has no node "${name}"; its nodes are ${this.nodes.map((n) => n.name).join(', ')}`, { node: name });
    return node;
  }

  /** Every topic the topology reads or writes (not dead-letter or changelog topics). */
  topics(): AnyTopic[] {
    const byName = new Map<string, AnyTopic>();
    for (const node of this.nodes) {
      const { input } = node.plan;
      for (const t of [...(input.kind === 'topics' ? input.topics : []), ...outputTopics(node.plan)]) byName.set(t.name, t);
    }
    return [...byName.values()];
  }

  describe(): TopologyDescription {
    return describeTopology(this);
  }

  private validate(): void {
    const seen = new Map<string, AnyTopic>();
    for (const t of this.nodes.flatMap((n) => [...(n.plan.input.kind === 'topics' ? n.plan.input.topics : []), ...outputTopics(n.plan)])) {
      const other = seen.get(t.name);
      if (other && other !== t && !sameTopic(other, t)) {
        throw new TopologyError(`topic "${t.name}" is declared twice with different settings or schemas; declare it once and share it`, { topic: t.name });
      }
      seen.set(t.name, t);
    }
    for (const node of this.nodes) {
      const { input } = node.plan;
      if (node.stores.length > 0 && input.kind === 'topics') {
        const counts = new Set(input.topics.map((t) => t.partitions));
        if (counts.size > 1) {
          throw new TopologyError(
            `node "${node.name}" keeps state over topics with different partition counts (${input.topics.map((t) => `${t.name}: ${t.partitions}`).join(', ')}); a key must land in the same partition of each, so give them the same number of partitions`,
            { node: node.name },
          );
        }
      }
    }
  }
}

function sameTopic(a: AnyTopic, b: AnyTopic): boolean {
  return (
    a.partitions === b.partitions &&
    a.compacted === b.compacted &&
    JSON.stringify(toAvroJson(a.value)) === JSON.stringify(toAvroJson(b.value)) &&
    JSON.stringify(toAvroJson(a.key)) === JSON.stringify(toAvroJson(b.key))
  );
}

export function topology(name: string): Topology {
  if (!LEGAL_NODE_NAME.test(name)) {
    throw new TopologyError(`topology name "${name}" is not allowed; use up to 63 letters, digits, "_" or "-"`, { topology: name });
  }
  return new Topology(name);
}

export function isTopology(x: unknown): x is Topology {
  return typeof x === 'object' && x !== null && TOPOLOGY in x;
}
