import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../transport.js';
import { assignSticky, type AssignorMember } from './sticky-assignor.js';

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });
const key = (p: TopicPartition): string => `${p.topic}/${p.partition}`;
const member = (memberId: string, topics: string[], owned: TopicPartition[] = []): AssignorMember => ({ memberId, topics: new Set(topics), owned });
const counts = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));
const keys = (tps: readonly TopicPartition[] | undefined): string[] => (tps ?? []).map(key);

function checkComplete(result: Map<string, TopicPartition[]>, members: readonly AssignorMember[], partitionCounts: Map<string, number>): void {
  const seen = new Set<string>();
  for (const [id, tps] of result) {
    const m = members.find((x) => x.memberId === id)!;
    for (const p of tps) {
      expect(seen.has(key(p)), `${key(p)} assigned twice`).toBe(false);
      expect(m.topics.has(p.topic), `${id} got ${key(p)} without subscribing`).toBe(true);
      seen.add(key(p));
    }
  }
  for (const [topic, n] of partitionCounts) {
    const subscribed = members.some((m) => m.topics.has(topic));
    for (let p = 0; p < n; p++) expect(seen.has(`${topic}/${p}`), `${topic}/${p} orphaned`).toBe(subscribed);
  }
}

describe('assignSticky', () => {
  it('gives a single member every partition of its topics', () => {
    const r = assignSticky([member('a', ['t'])], counts({ t: 3 }));
    expect(keys(r.get('a'))).toEqual(['t/0', 't/1', 't/2']);
  });

  it('spreads partitions so loads differ by at most one', () => {
    const members = [member('a', ['t']), member('b', ['t']), member('c', ['t'])];
    const r = assignSticky(members, counts({ t: 10 }));
    checkComplete(r, members, counts({ t: 10 }));
    expect([...r.values()].map((x) => x.length).sort()).toEqual([3, 3, 4]);
  });

  it('moves only what balance needs when a member joins, and the others keep the rest', () => {
    const before = assignSticky([member('a', ['t'])], counts({ t: 6 }));
    const members = [member('a', ['t'], before.get('a')!), member('b', ['t'])];
    const r = assignSticky(members, counts({ t: 6 }));
    expect(r.get('a')).toHaveLength(3);
    expect(r.get('b')).toHaveLength(3);
    for (const p of r.get('a')!) expect(keys(before.get('a'))).toContain(key(p));
  });

  it('keeps every partition of the remaining members when a member leaves', () => {
    const three = [member('a', ['t']), member('b', ['t']), member('c', ['t'])];
    const first = assignSticky(three, counts({ t: 9 }));
    const two = [member('a', ['t'], first.get('a')!), member('b', ['t'], first.get('b')!)];
    const r = assignSticky(two, counts({ t: 9 }));
    for (const id of ['a', 'b']) for (const p of first.get(id)!) expect(keys(r.get(id))).toContain(key(p));
    checkComplete(r, two, counts({ t: 9 }));
  });

  it('co-partitions topics with the same subscribers: partition i of each topic goes to one member', () => {
    const members = [member('a', ['objects', 'faces']), member('b', ['objects', 'faces']), member('c', ['objects', 'faces'])];
    const r = assignSticky(members, counts({ objects: 6, faces: 6 }));
    for (const tps of r.values()) {
      const objects = tps.filter((p) => p.topic === 'objects').map((p) => p.partition);
      const faces = tps.filter((p) => p.topic === 'faces').map((p) => p.partition);
      expect(objects).toEqual(faces);
      expect(objects).toHaveLength(2);
    }
  });

  it('gives a topic only to its subscribers when subscriptions differ', () => {
    const members = [member('a', ['t1']), member('b', ['t1', 't2'])];
    const r = assignSticky(members, counts({ t1: 4, t2: 4, unsubscribed: 2 }));
    checkComplete(r, members, counts({ t1: 4, t2: 4, unsubscribed: 2 }));
    expect(r.get('a')!.every((p) => p.topic === 't1')).toBe(true);
    expect(r.get('b')!.filter((p) => p.topic === 't2')).toHaveLength(4);
  });

  it('gives nothing to a member without subscriptions, and ignores subscribed topics that do not exist', () => {
    const r = assignSticky([member('a', []), member('b', ['t', 'missing'])], counts({ t: 2 }));
    expect(r.get('a')).toEqual([]);
    expect(keys(r.get('b'))).toEqual(['t/0', 't/1']);
  });

  it('drops owned partitions that no longer exist', () => {
    const r = assignSticky([member('a', ['t'], [tp('t', 0), tp('t', 5), tp('gone', 0)])], counts({ t: 2 }));
    expect(keys(r.get('a'))).toEqual(['t/0', 't/1']);
  });

  it('is deterministic', () => {
    const make = (): AssignorMember[] => [member('b', ['x', 'y']), member('a', ['x']), member('c', ['x', 'y'])];
    expect(assignSticky(make(), counts({ x: 5, y: 3 }))).toEqual(assignSticky(make(), counts({ x: 5, y: 3 })));
  });

  it('stays complete, disjoint and balanced over a random sequence of joins and leaves', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const topics = counts({ a: 7, b: 7 });
    let current = new Map<string, TopicPartition[]>();
    let ids: string[] = [];
    for (let step = 0; step < 200; step++) {
      if (ids.length === 0 || (random() < 0.55 && ids.length < 9)) ids.push(`m${step}`);
      else ids.splice(Math.floor(random() * ids.length), 1);
      const members = ids.map((id) => member(id, ['a', 'b'], current.get(id) ?? []));
      const next = assignSticky(members, topics);
      checkComplete(next, members, topics);
      const loads = [...next.values()].map((x) => x.length);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(2); // units are pairs of partitions
      // Sticky: a member that stays loses a partition only if it had more than its fair share.
      for (const id of ids) {
        const before = current.get(id) ?? [];
        const kept = before.filter((p) => keys(next.get(id)).includes(key(p)));
        expect(kept.length).toBeGreaterThanOrEqual(Math.min(before.length, Math.floor(14 / ids.length / 2) * 2));
      }
      current = next;
    }
  });
});
