import type { TopicPartition } from './transport.js';

/**
 * A string key for a topic-partition, for maps and sets. Kafka topic names are `[a-zA-Z0-9._-]`,
 * so the separator cannot occur in one.
 */
export type TopicPartitionKey = string & { readonly __brand: 'TopicPartitionKey' };

export function tpKey(tp: TopicPartition): TopicPartitionKey {
  return `${tp.topic}:${tp.partition}` as TopicPartitionKey;
}

/**
 * tpKey for a per-record path: one string per topic-partition, made once. A key made per record is
 * a new string that every map it is looked up in hashes (and compares) again.
 */
export class TopicPartitionKeys {
  private readonly byTopic = new Map<string, TopicPartitionKey[]>();

  of(topic: string, partition: number): TopicPartitionKey {
    let keys = this.byTopic.get(topic);
    if (!keys) this.byTopic.set(topic, (keys = []));
    return (keys[partition] ??= tpKey({ topic, partition }));
  }
}

export function fromTpKey(key: TopicPartitionKey): TopicPartition {
  const i = key.lastIndexOf(':');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** Sorted by topic, then partition: the order every list the memory transport returns is in. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
