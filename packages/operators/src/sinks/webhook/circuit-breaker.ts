export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe request may go (half-open). */
  readonly openMs: number;
}

/**
 * A circuit breaker for one endpoint: `failureThreshold` failures in a row open it; while open no
 * request goes; after `openMs` it is half-open and lets one probe through: a success closes it,
 * a failure opens it again. Callers ask `permit()` before each request and report its outcome.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly opts: CircuitBreakerOptions,
    private readonly onChange: (state: CircuitState, failures: number) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /**
   * 0 when a request may go now (in half-open this reserves the one probe), else the ms to wait
   * before asking again.
   */
  permit(): number {
    if (this.current === 'open') {
      const left = this.openedAt + this.opts.openMs - this.now();
      if (left > 0) return left;
      this.set('half-open');
    }
    if (this.current === 'half-open') {
      if (this.probing) return Math.min(100, this.opts.openMs);
      this.probing = true;
    }
    return 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.opts.failureThreshold) {
      this.probing = false;
      this.openedAt = this.now();
      if (this.current !== 'open') this.set('open');
    }
  }

  /** A permitted request ended without an answer either way (its record gave up): free the probe. */
  abandon(): void {
    this.probing = false;
  }

  private set(state: CircuitState): void {
    this.current = state;
    this.onChange(state, this.failures);
  }
}
