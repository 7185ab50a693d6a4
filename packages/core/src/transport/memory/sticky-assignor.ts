import type { TopicPartition } from '../transport.js';
import { compareTopicPartitions, tpKey } from '../topic-partition-key.js';

export interface AssignorMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** What the member owns now; kept where balance allows (stickiness). */
  readonly owned: readonly TopicPartition[];
}

interface Unit {
  readonly partitions: TopicPartition[];
  readonly eligible: readonly string[];
  owner: string | undefined;
}

/**
 * The group's target assignment: every partition of every subscribed topic goes to exactly one
 * member subscribed to its topic, loads differ by as little as possible, and partitions stay with
 * their current owner whenever balance allows, so a cooperative rebalance moves few of them.
 *
 * Partitions with the same number, of topics with the same subscribers, move together as one unit
 * (like a Kafka Streams task). When all members subscribe to the same topics, which is the normal
 * case, partition i of every input topic is owned by one member: co-partitioned joins and
 * aggregations by key see all of a key's records.
 *
 * Deterministic: the same input gives the same output. Pure; the consumer group applies the result.
 */
export function assignSticky(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const ids = members.map((m) => m.memberId).sort();
  const units = buildUnits(members, partitionCounts, ids);
  const load = new Map<string, number>(ids.map((id) => [id, 0]));
  const ownerOf = new Map<string, string>();
  for (const m of members) for (const tp of m.owned) ownerOf.set(tpKey(tp), m.memberId);

  // 1. Sticky: a unit stays with the eligible member that owns most of it.
  const unowned: Unit[] = [];
  for (const unit of units) {
    const counts = new Map<string, number>();
    for (const tp of unit.partitions) {
      const o = ownerOf.get(tpKey(tp));
      if (o !== undefined && unit.eligible.includes(o)) counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const id of unit.eligible) if ((counts.get(id) ?? 0) > (best === undefined ? 0 : counts.get(best)!)) best = id;
    if (best === undefined) unowned.push(unit);
    else give(unit, best, load);
  }

  // 2. New units go to the least loaded eligible member.
  for (const unit of unowned) give(unit, leastLoaded(unit.eligible, load, undefined)!, load);

  // 3. Balance: move a unit while that narrows the gap between its owner and another eligible
  //    member. Each move lowers the sum of squared loads, so this ends. Highest units move first,
  //    so low-numbered partitions tend to stay put.
  for (let moved = true; moved; ) {
    moved = false;
    for (let i = units.length - 1; i >= 0; i--) {
      const unit = units[i]!;
      const from = unit.owner!;
      const to = leastLoaded(unit.eligible, load, from);
      const w = unit.partitions.length;
      if (to !== undefined && load.get(from)! - load.get(to)! > w) {
        load.set(from, load.get(from)! - w);
        give(unit, to, load);
        moved = true;
      }
    }
  }

  const out = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  for (const unit of units) out.get(unit.owner!)!.push(...unit.partitions);
  for (const tps of out.values()) tps.sort(compareTopicPartitions);
  return out;
}

function buildUnits(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>, sortedIds: readonly string[]): Unit[] {
  const byKey = new Map<string, Unit>();
  const keyed: Array<{ index: number; signature: string; unit: Unit }> = [];
  for (const topic of [...partitionCounts.keys()].sort()) {
    const eligible = sortedIds.filter((id) => members.find((m) => m.memberId === id)!.topics.has(topic));
    if (eligible.length === 0) continue;
    const signature = eligible.join('\u0000');
    for (let p = 0; p < partitionCounts.get(topic)!; p++) {
      const key = `${p}\u0001${signature}`;
      let unit = byKey.get(key);
      if (!unit) {
        unit = { partitions: [], eligible, owner: undefined };
        byKey.set(key, unit);
        keyed.push({ index: p, signature, unit });
      }
      unit.partitions.push({ topic, partition: p });
    }
  }
  keyed.sort((a, b) => a.index - b.index || (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  return keyed.map((k) => k.unit);
}

function give(unit: Unit, to: string, load: Map<string, number>): void {
  unit.owner = to;
  load.set(to, load.get(to)! + unit.partitions.length);
}

function leastLoaded(candidates: readonly string[], load: ReadonlyMap<string, number>, except: string | undefined): string | undefined {
  let best: string | undefined;
  for (const id of candidates) {
    if (id === except) continue;
    if (best === undefined || load.get(id)! < load.get(best)!) best = id;
  }
  return best;
}
