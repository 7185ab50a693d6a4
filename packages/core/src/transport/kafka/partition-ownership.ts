import { compareTopicPartitions, tpKey, type TopicPartitionKey } from '../topic-partition-key.js';
import type { TopicPartition } from '../transport.js';

/** The partitions a group member owns, and which of them it is giving up or has already lost. */
export class PartitionOwnership {
  private readonly assigned = new Map<TopicPartitionKey, TopicPartition>();
  /** Being revoked: their records are dropped, their `onRevoked` runs or is queued. */
  private readonly revoking = new Set<TopicPartitionKey>();
  /** Owned partitions the group has already given away (a lost revocation, a replaced handle): commits of them fail at once. */
  private readonly lost = new Set<TopicPartitionKey>();

  assign(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.assigned.set(tpKey(tp), tp);
  }

  owns(tp: TopicPartition): boolean {
    return this.assigned.has(tpKey(tp));
  }

  /** Owned and not being given up: its records are handed out. */
  reads(k: TopicPartitionKey): boolean {
    return this.assigned.has(k) && !this.revoking.has(k);
  }

  isLost(tp: TopicPartition): boolean {
    return this.lost.has(tpKey(tp));
  }

  /** Marks partitions as being revoked; `lost` when the group has already given them away. */
  revoke(tps: readonly TopicPartition[], lost: boolean): void {
    for (const tp of tps) {
      this.revoking.add(tpKey(tp));
      if (lost) this.lost.add(tpKey(tp));
    }
  }

  /** Marks every owned partition as given away (the handle was replaced). */
  loseAll(): void {
    for (const k of this.assigned.keys()) this.lost.add(k);
  }

  /** Owned partitions no revocation has started on. */
  kept(): TopicPartition[] {
    return [...this.assigned].filter(([k]) => !this.revoking.has(k)).map(([, tp]) => tp);
  }

  /** Every owned partition, including those being revoked, sorted by topic and partition. */
  all(): TopicPartition[] {
    return [...this.assigned.values()].sort(compareTopicPartitions);
  }

  forget(k: TopicPartitionKey): void {
    this.assigned.delete(k);
    this.revoking.delete(k);
    this.lost.delete(k);
  }

  clear(): void {
    this.assigned.clear();
    this.lost.clear();
  }
}
