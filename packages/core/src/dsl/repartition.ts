import { map } from 'rxjs';
import type { Rec } from '../records/record.js';
import type { AvroSchema } from '../serde/avro/schema.js';
import { named } from './named.js';
import type { NodePlan } from './node-stream.js';
import { topic, type AnyTopic } from './topic.js';

/** Options of `NodeStream.groupBy`: how the repartition topic is named and encoded. */
export interface GroupByOptions<K, V> {
  /** Names the repartition topic `<topology>.<node>.<name>.repartition` and the node that writes it, `<node>-<name>`. */
  readonly name: string;
  /** Avro schema of the new keys. */
  readonly key: AvroSchema<K>;
  /** Avro schema of the values (unchanged by re-keying). */
  readonly value: AvroSchema<V>;
  /** Partitions of the repartition topic; default: the most of the node's input topics (1 for a source). */
  readonly partitions?: number;
}

/** A node's re-keying step: the plan up to it, which an internal node runs, and the topic between them. */
export interface Repartition {
  readonly name: string;
  readonly key: AvroSchema<unknown>;
  readonly value: AvroSchema<unknown>;
  readonly partitions: number | undefined;
  /** The part of the node before `groupBy`, with the re-keying operator last. */
  readonly upstream: NodePlan;
}

/** The re-keying operator the internal node runs before it writes the repartition topic. */
export function rekey<T extends Rec<unknown, unknown>, K>(fn: (rec: T) => K): (source: import('rxjs').Observable<T>) => import('rxjs').Observable<Rec<K, unknown>> {
  return named('groupBy', map((r: T) => r.withKey(fn(r))));
}

export function repartitionTopicName(topology: string, node: string, name: string): string {
  return `${topology}.${node}.${name}.repartition`;
}

/**
 * Splits a node whose plan re-keys into the nodes that run it (Kafka Streams' repartitioning):
 * `<node>-<name>` runs the part before `groupBy` and writes each record, under its new key, to
 * `<topology>.<node>.<name>.repartition`; `<node>` reads that topic, so all records of a new key
 * reach one partition and one task, and runs the rest.
 */
export function splitAtRepartition(topology: string, node: string, plan: NodePlan): Array<{ name: string; plan: NodePlan }> {
  const r = plan.repartition;
  if (!r) return [{ name: node, plan }];
  const inputs = r.upstream.input.kind === 'topics' ? r.upstream.input.topics : [];
  const partitions = r.partitions ?? Math.max(1, ...inputs.map((t) => t.partitions));
  const between: AnyTopic = topic(repartitionTopicName(topology, node, r.name), { key: r.key, value: r.value, partitions });
  const { repartition: _upstream, ...rest } = plan;
  return [
    ...splitAtRepartition(topology, `${node}-${r.name}`, { ...r.upstream, output: between }),
    { name: node, plan: { ...rest, input: { kind: 'topics', topics: [between] } } },
  ];
}
