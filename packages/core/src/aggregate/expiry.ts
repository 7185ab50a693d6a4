/**
 * Runs a store's expiry at most once per `everyMs` of stream time: expiring scans the whole store,
 * and stream-time punctuation may fire on every record.
 */
export class Expiry {
  private next = -Infinity;

  constructor(
    private readonly everyMs: number,
    private readonly expire: (streamTime: number) => void,
  ) {}

  at(streamTime: number): void {
    if (streamTime < this.next) return;
    this.expire(streamTime);
    this.next = streamTime + Math.max(1, this.everyMs);
  }
}
