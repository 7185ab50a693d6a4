import type { TopicPartition, TopicPartitionOffset } from '../transport.js';
import { MemoryErrors } from './memory-errors.js';
import { assignSticky } from './sticky-assignor.js';
import { compareTopicPartitions, fromTpKey, tpKey, type TopicPartitionKey } from '../topic-partition-key.js';

/** What the group needs from a member; MemoryConsumer implements it. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  /** How long a revocation may take, and how long a crashed member keeps its partitions. */
  readonly sessionTimeoutMs: number;
  readonly topics: ReadonlySet<string>;
  /**
   * Stop fetching these partitions at once, then run the member's `onRevoked`. The member still
   * owns them (and may commit them) until this resolves.
   */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** Ownership is granted: set positions at once, run `onAssigned`, then fetch. */
  assign(partitions: readonly TopicPartition[]): Promise<void>;
}

export type GroupState = 'empty' | 'rebalancing' | 'stable';

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly assignment: readonly TopicPartition[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  /** Bumped by every completed rebalance. */
  readonly generation: number;
  readonly members: readonly GroupMemberDescription[];
}

interface MemberEntry {
  readonly member: GroupMember;
  /** Leaving gracefully: its partitions are revoked (with `onRevoked`) in the next rebalance. */
  leaving: boolean;
  /** Gone without a word (crash): its partitions are taken without `onRevoked`. */
  expelled: boolean;
}

/**
 * A consumer group on the memory broker: members, who owns which partition, and committed offsets.
 *
 * Rebalancing is cooperative and incremental, as with Kafka's cooperative-sticky assignor: every
 * membership or subscription change (and topic creation or deletion) schedules a rebalance; queued
 * rebalances run one at a time and requests that arrive before one starts share it. A rebalance
 * computes the sticky target, then
 *   1. revokes from each member only the partitions that move away from it, and waits for every
 *      `onRevoked` (bounded by the member's sessionTimeoutMs, after which the member is fenced);
 *   2. only then gives the freed partitions to their new owners, whose positions start at the
 *      committed offset as it stands after the revocations.
 * So a partition is never owned twice, and a record committed in `onRevoked` is never redelivered.
 */
export class ConsumerGroup {
  private readonly members = new Map<string, MemberEntry>();
  private readonly owners = new Map<TopicPartitionKey, string>();
  private readonly committed = new Map<TopicPartitionKey, number>();
  private generationId = 0;
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private scheduled: Promise<void> | undefined;

  constructor(
    readonly groupId: string,
    /** The partition count of every topic that exists now. */
    private readonly partitionCounts: () => ReadonlyMap<string, number>,
  ) {}

  get generation(): number {
    return this.generationId;
  }

  /** Adds the member (or takes its new subscription) and resolves after the rebalance that follows. */
  join(member: GroupMember): Promise<void> {
    if (!this.members.has(member.memberId)) this.members.set(member.memberId, { member, leaving: false, expelled: false });
    return this.requestRebalance();
  }

  /** Revokes the member's partitions (running its `onRevoked`), moves them to the others, and removes it. */
  leave(member: GroupMember): Promise<void> {
    const entry = this.members.get(member.memberId);
    if (!entry) return Promise.resolve();
    entry.leaving = true;
    return this.requestRebalance();
  }

  /** Removes a member that died: its partitions move without its `onRevoked`. */
  expel(memberId: string): Promise<void> {
    const entry = this.members.get(memberId);
    if (!entry) return Promise.resolve();
    entry.expelled = true;
    return this.requestRebalance();
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  /** Whether any member subscribes to the topic. */
  subscribes(topic: string): boolean {
    for (const { member } of this.members.values()) if (member.topics.has(topic)) return true;
    return false;
  }

  /** Schedules a rebalance; calls before it starts share it. Never rejects. */
  requestRebalance(): Promise<void> {
    if (this.scheduled) return this.scheduled;
    const run = this.queue.then(async () => {
      this.scheduled = undefined;
      this.running = true;
      try {
        await this.rebalance();
      } finally {
        this.running = false;
      }
    });
    const settled = run.catch(() => undefined);
    this.scheduled = settled;
    this.queue = settled;
    return settled;
  }

  ownerOf(tp: TopicPartition): string | undefined {
    return this.owners.get(tpKey(tp));
  }

  ownedBy(memberId: string): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [key, owner] of this.owners) if (owner === memberId) out.push(fromTpKey(key));
    return out.sort(compareTopicPartitions);
  }

  /** Stores the offsets, all or none: every partition must be owned by the member (else NOT_ASSIGNED). */
  commit(memberId: string, offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      if (this.owners.get(tpKey(o)) !== memberId || this.members.get(memberId)?.expelled) throw MemoryErrors.notAssigned(this.groupId, o.topic, o.partition);
    }
    for (const o of offsets) this.committed.set(tpKey(o), o.offset);
  }

  committedOffset(tp: TopicPartition): number | undefined {
    return this.committed.get(tpKey(tp));
  }

  committedOffsets(topic: string): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [key, offset] of this.committed) {
      const tp = fromTpKey(key);
      if (tp.topic === topic) out.push({ ...tp, offset });
    }
    return out.sort(compareTopicPartitions);
  }

  /** Topics that have committed offsets in this group. */
  committedTopics(): string[] {
    return [...new Set([...this.committed.keys()].map((k) => fromTpKey(k).topic))].sort();
  }

  /** Drops the committed offsets of a deleted topic, as Kafka does. */
  forgetTopic(topic: string): void {
    for (const key of [...this.committed.keys()]) if (fromTpKey(key).topic === topic) this.committed.delete(key);
  }

  describe(): GroupDescription {
    const members = [...this.members.values()]
      .filter((e) => !e.expelled)
      .map(({ member }) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        topics: [...member.topics].sort(),
        assignment: this.ownedBy(member.memberId),
      }))
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    const state: GroupState = this.running || this.scheduled ? 'rebalancing' : members.length === 0 ? 'empty' : 'stable';
    return { groupId: this.groupId, state, generation: this.generationId, members };
  }

  private async rebalance(): Promise<void> {
    const entries = [...this.members.values()];
    const live = entries.filter((e) => !e.leaving && !e.expelled);
    const counts = this.partitionCounts();
    const target = assignSticky(
      live.map(({ member }) => ({ memberId: member.memberId, topics: member.topics, owned: this.ownedBy(member.memberId) })),
      counts,
    );
    const targetKeys = new Map<string, Set<TopicPartitionKey>>([...target].map(([id, tps]) => [id, new Set(tps.map(tpKey))]));

    // A crashed member's partitions are simply taken.
    for (const e of entries) {
      if (!e.expelled) continue;
      for (const tp of this.ownedBy(e.member.memberId)) this.owners.delete(tpKey(tp));
    }

    // 1. Revoke what moves away (or no longer exists), and wait for every onRevoked.
    await Promise.all(
      entries
        .filter((e) => !e.expelled)
        .map(async ({ member }) => {
          const keep = targetKeys.get(member.memberId) ?? new Set<TopicPartitionKey>();
          const revoked = this.ownedBy(member.memberId).filter((tp) => !keep.has(tpKey(tp)));
          if (revoked.length === 0) return;
          await withTimeout(member.revoke(revoked), member.sessionTimeoutMs);
          for (const tp of revoked) if (this.owners.get(tpKey(tp)) === member.memberId) this.owners.delete(tpKey(tp));
        }),
    );

    // 2. Hand the freed partitions to their new owners.
    this.generationId++;
    const grants: Array<Promise<void>> = [];
    for (const { member } of live) {
      const added = (target.get(member.memberId) ?? []).filter((tp) => !this.owners.has(tpKey(tp)));
      if (added.length === 0) continue;
      for (const tp of added) this.owners.set(tpKey(tp), member.memberId);
      grants.push(withTimeout(member.assign(added), member.sessionTimeoutMs));
    }
    await Promise.all(grants);

    for (const e of entries) if (e.leaving || e.expelled) this.members.delete(e.member.memberId);
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    p.catch(() => undefined).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
