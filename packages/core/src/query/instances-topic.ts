import { topic, type Topic } from '../dsl/topic.js';
import { avro, type Infer } from '../serde/avro/schema.js';

/** What one instance of a node says about itself: where it serves queries and which partitions it holds. */
export const InstanceInfoSchema = avro.record('vision_flow.QueryInstance', {
  instanceId: avro.string(),
  url: avro.string(),
  /** Input partitions whose tasks (and so stores) run on this instance. */
  partitions: avro.array(avro.int()),
  /** When the instance last said this (epoch ms): of two claims on one partition the newer wins. */
  updatedAt: avro.long(),
});
export type InstanceInfo = Infer<typeof InstanceInfoSchema>;

export function instancesTopicName(topology: string, node: string): string {
  return `${topology}.${node}.instances`;
}

/**
 * `<topology>.<node>.instances`: compacted, keyed by instance id, one partition (every instance
 * reads all of it). A stopping instance writes a tombstone, so only running ones remain.
 */
export function instancesTopic(topology: string, node: string): Topic<string, InstanceInfo> {
  return topic(instancesTopicName(topology, node), { value: InstanceInfoSchema, partitions: 1, compacted: true });
}
