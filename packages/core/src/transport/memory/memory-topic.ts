import type { TopicDescription, TopicSpec } from '../transport.js';
import { PartitionLog } from './partition-log.js';

/** Kafka's default `max.message.bytes` (1 MiB plus the record batch overhead). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * A topic on the memory broker: its settings and one log per partition.
 */
export class MemoryTopic {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  readonly compacted: boolean;
  readonly retentionMs: number | undefined;
  readonly maxMessageBytes: number;
  /** Since when producers have found the topic full (see MemoryBroker.isFull); undefined while it has room. */
  fullSince: number | undefined;

  constructor(spec: TopicSpec) {
    this.name = spec.name;
    this.partitions = Array.from({ length: spec.partitions }, (_, p) => new PartitionLog(spec.name, p));
    this.compacted = spec.compacted ?? false;
    this.retentionMs = spec.retentionMs;
    this.maxMessageBytes = spec.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  describe(): TopicDescription {
    return { name: this.name, partitions: this.partitions.length, compacted: this.compacted };
  }
}
