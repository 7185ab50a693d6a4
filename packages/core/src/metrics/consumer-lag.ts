import type { InstrumentationEmitter } from '../instrumentation/emitter.js';
import { tpKey } from '../transport/topic-partition-key.js';
import type { TopicPartition, TransportAdmin } from '../transport/transport.js';

/** One input partition's lag: records on it past the node's group's last commit. */
export interface PartitionLag {
  readonly node: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/**
 * The consumer lag of the input partitions the nodes of this process hold: the partition's end
 * offset (high watermark) minus the group's committed offset, as `kafka-consumer-groups --describe`
 * shows it. Only held partitions: each instance of a node reports its own share, so a sum over
 * instances counts every partition once.
 */
export class ConsumerLag {
  private readonly held = new Map<string, Map<string, TopicPartition>>();
  private readonly unsubscribe: Array<() => void>;
  /** The reading under way: scrapes that arrive meanwhile share it instead of asking the brokers again. */
  private reading: Promise<PartitionLag[]> | undefined;

  constructor(
    emitter: InstrumentationEmitter,
    private readonly admin: TransportAdmin,
    /** The consumer group of each node that reads topics. */
    private readonly groups: ReadonlyMap<string, string>,
  ) {
    const partitions = (node: string) => {
      let m = this.held.get(node);
      if (!m) this.held.set(node, (m = new Map()));
      return m;
    };
    this.unsubscribe = [
      emitter.on('node.partitions_assigned', ({ payload }) => payload.partitions.forEach((tp) => partitions(payload.node).set(tpKey(tp), tp))),
      emitter.on('node.partitions_revoked', ({ payload }) => payload.partitions.forEach((tp) => partitions(payload.node).delete(tpKey(tp)))),
      // A stopped node holds nothing any more (its revoke may not come when the consumer closes).
      emitter.on('node.stopped', ({ payload }) => this.held.delete(payload.node)),
      emitter.on('node.failed', ({ payload }) => this.held.delete(payload.node)),
    ];
  }

  /** The partitions each node holds now. */
  assigned(node: string): number {
    return this.held.get(node)?.size ?? 0;
  }

  read(): Promise<PartitionLag[]> {
    this.reading ??= this.readNow().finally(() => (this.reading = undefined));
    return this.reading;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  private async readNow(): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    for (const [node, partitions] of this.held) {
      const group = this.groups.get(node);
      if (!group) continue;
      const topics = new Set([...partitions.values()].map((tp) => tp.topic));
      for (const topic of topics) {
        const [ends, committed] = await Promise.all([this.admin.endOffsets(topic), this.admin.committedOffsets(group, topic)]);
        for (const tp of partitions.values()) {
          if (tp.topic !== topic) continue;
          const end = ends.find((e) => e.partition === tp.partition)?.offset ?? 0;
          const done = committed.find((c) => c.partition === tp.partition)?.offset ?? 0;
          out.push({ node, topic, partition: tp.partition, lag: Math.max(0, end - done) });
        }
      }
    }
    return out;
  }
}
