import { mergeMap, type OperatorFunction } from 'rxjs';
import {
  PoisonRecordError, HeaderNames, WEBHOOK_RETRY, errorMessage, isParam, resolveParam, retry, withContext,
  type JsonValue, type Param, type Rec, type RetryOptions,
} from '@vision-flow/core';
import { jsonReplacer } from '../json-lines-sink.js';
import { WebhookAttemptError } from './webhook-attempt-error.js';
import { WebhookEndpoint } from './webhook-endpoint.js';
import { resolveEndpoints, type WebhookEndpoints } from './webhook-endpoints.js';

export interface WebhookSinkOptions<K, V> {
  /**
   * Tenant → `{ url, secret, rate?, burst?, maxConcurrency?, timeout?, failureThreshold?, openFor? }`.
   * A record goes to its tenant's endpoint (`vf-tenant` header); `*` takes every tenant not named.
   * Often a `param('webhooks')` holding the same object as JSON, so secrets stay out of the code.
   */
  readonly endpoints: WebhookEndpoints | Param<JsonValue>;
  /** The JSON body of a record; default `{ id, tenant, timestamp, value }` (Buffers as their size). */
  readonly format?: (rec: Rec<K, V>, tenant: string) => unknown;
  /** The delivery id receivers deduplicate by (header `vf-webhook-id`); default the record's key as text. */
  readonly id?: (rec: Rec<K, V>) => string;
  /** Attempts per record and the backoff between them; default WEBHOOK_RETRY. */
  readonly retry?: RetryOptions;
}

/**
 * POSTs each record as JSON to its tenant's endpoint and passes the record on only after a 2xx,
 * so its input offset is committed only once the client has it (a crash delivers it again; the
 * `vf-webhook-id` header lets a receiver drop repeats). Per endpoint: a token-bucket rate limit
 * (retries included), a concurrency limit, Retry-After on 429/503 honoured for every request to
 * it, and a circuit breaker. Every request carries `vf-signature: t=…,v1=…`, an HMAC-SHA256 of
 * `<t>.<body>` with the endpoint's secret. A record that still fails after its attempts (or gets
 * a 4xx that says it never will succeed) is dead-lettered with code WEBHOOK_UNDELIVERED and the
 * last status; one without a tenant or an endpoint with TENANT_MISSING / WEBHOOK_NO_ENDPOINT.
 *
 * When to use: the deliver node, when client backends want results pushed (docs/webhooks.md).
 *
 * @example
 * .node('deliver', (n) => n.from(analyses).pipe(webhookSink({ endpoints: param('webhooks') })), { maxInFlight: 100 })
 */
export function webhookSink<K, V>(opts: WebhookSinkOptions<K, V>): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  if (!isParam(opts.endpoints)) resolveEndpoints(opts.endpoints, 'webhookSink'); // a bad endpoint fails when the topology is built
  const retryOpts: RetryOptions = { ...WEBHOOK_RETRY, ...opts.retry };
  retry(retryOpts); // checks maxAttempts now
  const maxElapsedMs = retryOpts.maxElapsedMs ?? WEBHOOK_RETRY.maxElapsedMs;
  const format = opts.format ?? ((rec: Rec<K, V>, tenant: string) => ({ id: keyText(rec.key), tenant, timestamp: rec.timestamp, value: rec.value }));
  const idOf = opts.id ?? ((rec: Rec<K, V>) => keyText(rec.key));
  return withContext(`webhookSink(${isParam(opts.endpoints) ? `param ${opts.endpoints.name}` : Object.keys(opts.endpoints).join(',')})`, (ctx) => {
    const configs = resolveEndpoints(isParam(opts.endpoints) ? resolveParam(opts.endpoints, ctx.params, 'webhookSink "endpoints"') : opts.endpoints, 'webhookSink');
    // One endpoint state per node, shared by all its records: the rate, concurrency and circuit are the endpoint's.
    const endpoints = new Map([...configs].map(([tenant, c]) => [tenant, new WebhookEndpoint(c, ctx.log)]));

    const deliver = async (rec: Rec<K, V>): Promise<void> => {
      const tenant = rec.headers[HeaderNames.tenant];
      const endpoint = (tenant ? endpoints.get(tenant) : undefined) ?? endpoints.get('*');
      if (!endpoint) {
        if (!tenant) throw new PoisonRecordError('TENANT_MISSING', `webhookSink: record has no ${HeaderNames.tenant} header and no "*" endpoint is configured`, { header: HeaderNames.tenant });
        throw new PoisonRecordError('WEBHOOK_NO_ENDPOINT', `webhookSink: no endpoint for tenant "${tenant}"; add it to endpoints (or a "*" endpoint)`, { tenant });
      }
      const who = tenant ?? '*';
      const delivery = { id: idOf(rec), tenant: who, body: JSON.stringify(format(rec, who), jsonReplacer) };
      const deadline = AbortSignal.timeout(maxElapsedMs);
      let last: unknown;
      let attempts = 0;
      try {
        await retry(retryOpts, undefined, deadline)(async (bail, attempt) => {
          attempts = attempt;
          try {
            await endpoint.attempt({ ...delivery, attempt }, deadline);
          } catch (e) {
            if (!deadline.aborted) last = e;
            if (e instanceof WebhookAttemptError && !e.retriable) bail(e);
            throw e;
          }
        });
      } catch (e) {
        const status = last instanceof WebhookAttemptError ? last.status : 0;
        const why = last === undefined ? `waited ${maxElapsedMs} ms for the endpoint (circuit ${endpoint.circuit})` : errorMessage(last);
        const spent = e instanceof WebhookAttemptError && !e.retriable ? `after attempt ${attempts} (not retried)` : `after ${attempts} attempts`;
        throw new PoisonRecordError('WEBHOOK_UNDELIVERED', `webhookSink: ${delivery.id} not delivered to ${endpoint.name} ${spent}; last: ${why}`, { tenant: who, endpoint: endpoint.config.url.origin, status, attempts }, e);
      }
    };
    return (source) => source.pipe(mergeMap(async (rec) => (await deliver(rec), rec)));
  });
}

function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  return Buffer.isBuffer(key) ? key.toString('hex') : JSON.stringify(key);
}
