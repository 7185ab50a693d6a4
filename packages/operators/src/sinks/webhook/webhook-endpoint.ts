import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { retryAfterMs } from './retry-after.js';
import { TokenBucket } from './token-bucket.js';
import { WebhookAttemptError } from './webhook-attempt-error.js';
import type { ResolvedEndpoint } from './webhook-endpoints.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** One delivery as it goes over the wire. */
export interface WebhookDelivery {
  readonly id: string;
  readonly tenant: string;
  readonly body: string;
  readonly attempt: number;
}

/**
 * One endpoint's delivery state, shared by every record going there: the concurrency gate, the
 * circuit breaker, the pause a 429/503 Retry-After asked for, and the token bucket. `attempt`
 * waits for all four, in that order (so a token is taken right before the request starts), then
 * POSTs once.
 */
export class WebhookEndpoint {
  private readonly gate: ConcurrencyGate;
  private readonly breaker: CircuitBreaker;
  private readonly bucket: TokenBucket;
  /** No request before this time (epoch ms): the endpoint's Retry-After. */
  private notBefore = 0;

  constructor(
    readonly config: ResolvedEndpoint,
    log: (message: string) => void,
  ) {
    this.gate = new ConcurrencyGate(config.maxConcurrency);
    this.bucket = new TokenBucket(config.ratePerSec, config.burst);
    const name = this.name;
    this.breaker = new CircuitBreaker({ failureThreshold: config.failureThreshold, openMs: config.openMs }, (state: CircuitState, failures) =>
      log(`webhookSink: endpoint ${name}: circuit ${state}${state === 'open' ? ` after ${failures} failures; one probe in ${config.openMs} ms` : ''}`),
    );
  }

  /** The endpoint as logs and dead letters name it: tenant and origin, never the path's secrets. */
  get name(): string {
    return `${this.config.tenant} (${this.config.url.origin})`;
  }

  get circuit(): CircuitState {
    return this.breaker.state;
  }

  /** One POST; resolves on a 2xx, else rejects with a WebhookAttemptError. `signal` ends any wait. */
  async attempt(d: WebhookDelivery, signal: AbortSignal): Promise<void> {
    const release = await this.gate.acquire(signal);
    let permitted = false;
    try {
      await this.waitForTurn(signal);
      permitted = true;
      const status = await this.post(d, signal);
      permitted = false;
      if (status >= 200 && status < 300) return;
      throw new WebhookAttemptError(status, this.name, '');
    } finally {
      if (permitted) this.breaker.abandon();
      release();
    }
  }

  /** Waits until the circuit lets a request through, any Retry-After has passed, and a token is free. */
  private async waitForTurn(signal: AbortSignal): Promise<void> {
    for (;;) {
      const wait = Math.max(this.notBefore - Date.now(), 0) || this.breaker.permit() || this.takeToken();
      if (wait === 0) return;
      await sleep(wait, undefined, { signal });
    }
  }

  private takeToken(): number {
    const wait = this.bucket.tryTake();
    if (wait > 0) this.breaker.abandon(); // a probe permitted but not sent yet goes back
    return wait;
  }

  /** Sends and reads the answer; a failure to get one (timeout, refused) counts against the circuit. */
  private async post(d: WebhookDelivery, signal: AbortSignal): Promise<number> {
    const { url, secret, timeoutMs } = this.config;
    // A controller and timer of our own, cleared after: a composite of AbortSignal.timeout() can be
    // garbage-collected before it fires in Node 20's fetch (nodejs/node#55428), leaving a request that
    // never answers holding its slot. The race makes the timeout hold even if the abort is lost.
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new WebhookAttemptError(0, this.name, `no answer within ${timeoutMs} ms`);
        ac.abort(e);
        reject(e);
      }, timeoutMs);
    });
    timedOut.catch(() => undefined); // the race reports it; a timer firing just after the race must not be unhandled
    const onAbort = () => ac.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    try {
      const exchange = (async () => {
        const r = await fetch(url, {
          method: 'POST',
          body: d.body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'vision-flow-webhook/1',
            'vf-webhook-id': d.id,
            'vf-tenant': d.tenant,
            'vf-attempt': String(d.attempt),
            [SIGNATURE_HEADER]: signWebhook(secret, Math.floor(Date.now() / 1000), d.body),
          },
          signal: ac.signal,
        });
        await r.arrayBuffer(); // read to the end, so the connection is reused
        return r;
      })();
      exchange.catch(() => undefined); // settles after the race when the timer won
      res = await Promise.race([exchange, timedOut]);
    } catch (e) {
      this.breaker.failure();
      if (e instanceof WebhookAttemptError) throw e;
      throw new WebhookAttemptError(0, this.name, signal.aborted ? 'given up (the record ran out of time)' : `no answer: ${causeText(e)}`, e);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    const status = res.status;
    if (status === 429 || status === 503) {
      const wait = retryAfterMs(res.headers.get('retry-after'));
      if (wait !== undefined) this.notBefore = Math.max(this.notBefore, Date.now() + wait);
    }
    if (status >= 500 || status === 408) this.breaker.failure();
    else if (status === 429) this.breaker.abandon(); // up, but busy: neither closes nor opens the circuit
    else this.breaker.success(); // a 2xx or a 4xx: the endpoint is up
    return status;
  }
}

function causeText(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
