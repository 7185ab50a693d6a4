/**
 * A token bucket that paces requests: each request takes a token; tokens come back at
 * `ratePerSec`, up to `burst`. In any interval of T seconds at most `burst + ratePerSec * T`
 * requests start, which is the bound the webhook tests measure at the receiver.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSec: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Takes a token and answers 0, or answers the ms until one is due (taking nothing). */
  tryTake(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.ratePerSec);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000));
  }
}
