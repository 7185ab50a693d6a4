import { HttpProblem } from './http-problem.js';

export interface QuotaOptions {
  /** Sustained uploads per second per tenant. */
  readonly ratePerSec: number;
  /** Uploads a tenant may make at once after being idle; default one second's worth. */
  readonly burst?: number;
  /** Tenants tracked at once (least recently seen forgotten, i.e. given a full bucket); default 10 000. */
  readonly maxTenants?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per tenant: each upload takes a token; tokens come back at `ratePerSec` up to
 * `burst`. Over quota, `take` throws a 429 whose Retry-After is when the next token is due.
 */
export class TenantQuota {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly opts: QuotaOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = opts.burst ?? Math.max(1, opts.ratePerSec);
  }

  take(tenant: string): void {
    const now = this.now();
    const b = this.buckets.get(tenant) ?? { tokens: this.burst, at: now };
    this.buckets.delete(tenant);
    this.buckets.set(tenant, b);
    if (this.buckets.size > (this.opts.maxTenants ?? 10_000)) this.buckets.delete(this.buckets.keys().next().value!);
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.opts.ratePerSec);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const waitSec = Math.max(1, Math.ceil((1 - b.tokens) / this.opts.ratePerSec));
    throw new HttpProblem(429, 'QUOTA_EXCEEDED', 'Too many requests', `tenant "${tenant}" is over its quota of ${this.opts.ratePerSec} images/s (burst ${this.burst}); try again after ${waitSec} s`, { 'retry-after': String(waitSec) }, { tenant });
  }
}
