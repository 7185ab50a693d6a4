import { tpKey, type TopicPartitionKey } from '../topic-partition-key.js';
import type { IncomingMessage, TopicPartition } from '../transport.js';
import type { NativeConsumer } from './native-consumer.js';
import type { PartitionOwnership } from './partition-ownership.js';

/**
 * What a paused partition may hold back before librdkafka pauses it too: a few polls' worth of
 * small records, or a few large images.
 */
const HELD_WHILE_PAUSED_RECORDS = 2_000;
const HELD_WHILE_PAUSED_BYTES = 8 * 1024 * 1024;

/** Records read but not yet polled of one partition; `head` is the next to hand out (no Array.shift per record). */
interface Held {
  readonly msgs: IncomingMessage[];
  head: number;
  /** Bytes of the records not yet handed out; kept up to date only while the partition is paused. */
  bytes: number;
}

/**
 * Records a group member has read but not yet handed out, per partition and in offset order, and
 * pausing. `pause` first holds a partition's records back here and hands them out first after
 * `resume`, so none is lost or reordered. Only when a paused partition holds more than a bound
 * (records or bytes) does librdkafka pause it too: a librdkafka pause discards what it has
 * prefetched for the partition and fetches it again on resume, which for the short pauses of a busy
 * node's per-partition limit cost more than they saved (a stall, and the same bytes fetched twice).
 */
export class HeldRecords {
  private readonly held = new Map<TopicPartitionKey, Held>();
  private readonly paused = new Set<TopicPartitionKey>();
  /** Paused partitions librdkafka stopped fetching too (their held records reached the bound). */
  private readonly pausedNatively = new Set<TopicPartitionKey>();

  constructor(
    private readonly native: () => NativeConsumer,
    private readonly ownership: PartitionOwnership,
  ) {}

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const k = tpKey(tp);
      if (!this.ownership.owns(tp) || this.paused.has(k)) continue;
      this.paused.add(k);
      const h = this.held.get(k);
      if (h) h.bytes = heldBytes(h);
      if (this.beyondBound(k)) this.pauseNatively(tp);
    }
  }

  /** Throws librdkafka's error if it would not resume the partitions it had paused. */
  resume(partitions: readonly TopicPartition[]): void {
    const natively: TopicPartition[] = [];
    for (const tp of partitions) {
      const k = tpKey(tp);
      if (!this.paused.delete(k)) continue;
      if (this.pausedNatively.delete(k) && this.ownership.owns(tp)) natively.push({ topic: tp.topic, partition: tp.partition });
    }
    if (natively.length > 0) this.native().resume(natively);
  }

  /**
   * Queues what consume() returned; drops records of partitions this member no longer owns or is
   * giving up (their next owner reads them from the commit). Records of paused partitions wait here until `resume`.
   */
  hold(msgs: readonly IncomingMessage[]): void {
    // consume() returns runs of one partition's records: its key and queue are looked up once per run.
    let topic: string | undefined;
    let partition = -1;
    let k = '' as TopicPartitionKey;
    let h: Held | undefined;
    let paused = false;
    for (const msg of msgs) {
      if (msg.partition !== partition || msg.topic !== topic) {
        topic = msg.topic;
        partition = msg.partition;
        k = tpKey(msg);
        paused = this.paused.has(k);
        h = undefined;
        if (this.ownership.reads(k)) {
          h = this.held.get(k);
          if (!h) this.held.set(k, (h = { msgs: [], head: 0, bytes: 0 }));
        }
      }
      if (!h) continue;
      h.msgs.push(msg);
      // Bytes only count towards a paused partition's bound, so they are kept only while it is paused.
      if (!paused) continue;
      h.bytes += sizeOf(msg);
      if (!this.pausedNatively.has(k) && this.beyondBound(k)) this.pauseNatively(msg);
    }
  }

  /** Held records of unpaused partitions. */
  readyCount(): number {
    let n = 0;
    for (const [k, h] of this.held) if (!this.paused.has(k)) n += h.msgs.length - h.head;
    return n;
  }

  /** Hands out up to `max` held records of unpaused partitions. */
  take(max: number): IncomingMessage[] {
    const out: IncomingMessage[] = [];
    for (const [k, h] of this.held) {
      if (this.paused.has(k)) continue;
      const end = Math.min(h.msgs.length, h.head + max - out.length);
      for (; h.head < end; h.head++) out.push(h.msgs[h.head]!);
      if (h.head === h.msgs.length) this.held.delete(k);
      else if (h.head > 1024 && h.head * 2 > h.msgs.length) {
        // a partition that never runs dry: drop the handed-out records now and then
        h.msgs.splice(0, h.head);
        h.head = 0;
      }
      if (out.length >= max) break;
    }
    return out;
  }

  forget(k: TopicPartitionKey): void {
    this.held.delete(k);
    this.paused.delete(k);
    this.pausedNatively.delete(k);
  }

  clear(): void {
    this.held.clear();
  }

  /** Whether a paused partition holds so much that librdkafka must stop fetching it too. */
  private beyondBound(k: TopicPartitionKey): boolean {
    const h = this.held.get(k);
    return h !== undefined && (h.msgs.length - h.head >= HELD_WHILE_PAUSED_RECORDS || h.bytes >= HELD_WHILE_PAUSED_BYTES);
  }

  /** Pauses a partition in librdkafka; if it cannot (closed meanwhile), it is only held back here. */
  private pauseNatively(tp: TopicPartition): void {
    try {
      this.native().pause([{ topic: tp.topic, partition: tp.partition }]);
    } catch {
      return;
    }
    this.pausedNatively.add(tpKey(tp));
  }
}

function heldBytes(h: Held): number {
  let n = 0;
  for (let i = h.head; i < h.msgs.length; i++) n += sizeOf(h.msgs[i]!);
  return n;
}

function sizeOf(m: IncomingMessage): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0);
}
