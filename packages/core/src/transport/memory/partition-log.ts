import type { Headers } from '../../records/headers.js';
import { Signal } from './signal.js';

/** A record as the log holds it; the log owns its bytes (they are copied in and out). */
export interface LogRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

export type LogRecordInit = Omit<LogRecord, 'offset'>;

/**
 * One partition's log. Offsets are consecutive; the high watermark is the offset the next record
 * will get (every appended record is immediately "committed": there are no replicas to wait for).
 * Appends notify `appended`, which waiting polls subscribe to.
 *
 * Compaction is not simulated (a compacted topic reads like Kafka before its cleaner has run, which
 * is a state real consumers must handle anyway). Records leave only through `dropBefore`, which
 * advances the log start offset as Kafka's retention and `deleteRecords` do.
 */
export class PartitionLog {
  readonly appended = new Signal();
  /** Notified when a group's fetch position moves on (`fetchedBy`): producers waiting for room re-check. */
  readonly fetchedMore = new Signal();
  private readonly records: LogRecord[] = [];
  /** Bytes appended before each record, so the bytes from any offset on are one subtraction. */
  private readonly bytesBefore: number[] = [];
  private appendedBytes = 0;
  private start = 0;
  private readonly fetched = new Map<string, number>();
  /** When a group's fetch position last moved on (epoch ms; 0: never). */
  readAt = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** The first offset still in the log. */
  get logStartOffset(): number {
    return this.start;
  }

  /** The offset after the last record. */
  get highWatermark(): number {
    return this.start + this.records.length;
  }

  /** Key and value bytes of the records in the log. */
  get bytes(): number {
    return this.bytesFrom(this.start);
  }

  /** Key and value bytes of the records from `offset` on. */
  bytesFrom(offset: number): number {
    if (offset >= this.highWatermark) return 0;
    return this.appendedBytes - this.bytesBefore[Math.max(0, offset - this.start)]!;
  }

  /** Where the group will fetch next; undefined if it has not fetched from this log. */
  fetchPosition(groupId: string): number | undefined {
    return this.fetched.get(groupId);
  }

  /** A group's member has fetched up to `offset` (exclusive). */
  fetchedBy(groupId: string, offset: number): void {
    if ((this.fetched.get(groupId) ?? -1) >= offset) return;
    this.fetched.set(groupId, offset);
    this.readAt = Date.now();
    this.fetchedMore.notify();
  }

  append(init: LogRecordInit): number {
    const offset = this.highWatermark;
    this.records.push(Object.freeze({ offset, ...init }));
    this.bytesBefore.push(this.appendedBytes);
    this.appendedBytes += (init.key?.length ?? 0) + (init.value?.length ?? 0);
    this.appended.notify();
    return offset;
  }

  /** Up to `max` records from `offset` on, in offset order (from the log start if `offset` is below it). */
  read(offset: number, max: number): LogRecord[] {
    if (max <= 0 || offset >= this.highWatermark) return [];
    return this.records.slice(Math.max(offset, this.start) - this.start, offset + max - this.start);
  }

  /** Removes the records below `offset` (at most up to the high watermark); the log start moves there. */
  dropBefore(offset: number): void {
    const n = Math.min(offset, this.highWatermark) - this.start;
    if (n <= 0) return;
    this.records.splice(0, n);
    this.bytesBefore.splice(0, n);
    this.start += n;
  }
}
