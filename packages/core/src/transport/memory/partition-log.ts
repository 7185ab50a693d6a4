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
 * One partition's append-only log. Offsets start at 0 and are consecutive; the high watermark is
 * the offset the next record will get (every appended record is immediately "committed": there are
 * no replicas to wait for). Appends notify `appended`, which waiting polls subscribe to.
 *
 * Nothing is ever removed: retention and compaction are not simulated (a compacted topic reads like
 * Kafka before its cleaner has run, which is a state real consumers must handle anyway).
 */
export class PartitionLog {
  readonly appended = new Signal();
  private readonly records: LogRecord[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** The first offset still in the log. */
  get logStartOffset(): number {
    return 0;
  }

  /** The offset after the last record. */
  get highWatermark(): number {
    return this.records.length;
  }

  append(init: LogRecordInit): number {
    const offset = this.records.length;
    this.records.push(Object.freeze({ offset, ...init }));
    this.appended.notify();
    return offset;
  }

  /** Up to `max` records from `offset` on, in offset order. */
  read(offset: number, max: number): LogRecord[] {
    if (max <= 0 || offset >= this.records.length) return [];
    return this.records.slice(Math.max(offset, this.logStartOffset), offset + max);
  }
}
