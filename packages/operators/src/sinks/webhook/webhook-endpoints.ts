import { ConfigError, checkPositiveInt, parseRate, toMillis, type Duration, type JsonValue, type Rate } from '@vision-flow/core';

/** Where one tenant's results go, and how hard that endpoint may be pushed. */
export type WebhookEndpointConfig = {
  /** An http(s) URL the results are POSTed to. */
  readonly url: string;
  /** The shared secret the `vf-signature` header is made with (docs/webhooks.md shows how to verify it). */
  readonly secret: string;
  /** Requests per time the endpoint takes, retries included; default `10/s`. */
  readonly rate?: Rate;
  /** Requests that may start at once after a quiet spell; default 1 (requests evenly spaced). */
  readonly burst?: number;
  /** Requests in flight at once; default 4. */
  readonly maxConcurrency?: number;
  /** How long one request may take before it counts as failed; default `10s`. */
  readonly timeout?: Duration;
  /** Failures in a row (5xx, timeouts) that open the endpoint's circuit; default 5. */
  readonly failureThreshold?: number;
  /** How long an open circuit waits before one probe request; default `30s`. */
  readonly openFor?: Duration;
};

/** Tenant → endpoint. The tenant `*` takes the records of every tenant not named (one shared endpoint). */
export type WebhookEndpoints = { readonly [tenant: string]: WebhookEndpointConfig };

export interface ResolvedEndpoint {
  readonly tenant: string;
  readonly url: URL;
  readonly secret: string;
  readonly ratePerSec: number;
  readonly burst: number;
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly openMs: number;
}

/** Checks every endpoint's settings (they may come from a `param`, as JSON), naming the one that is wrong. */
export function resolveEndpoints(given: WebhookEndpoints | JsonValue, what: string): Map<string, ResolvedEndpoint> {
  let value = given;
  if (typeof given === 'string') {
    // `--set webhooks="$(cat webhooks.json)"`: a parameter given as JSON text.
    try {
      value = JSON.parse(given) as JsonValue;
    } catch (e) {
      throw new ConfigError(`${what}: endpoints is text that is not JSON (${(e as Error).message}); give the tenant → endpoint object as JSON`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new ConfigError(`${what}: endpoints must be an object of tenant → { url, secret, rate? }, e.g. { "acme": { "url": "https://acme.example/hooks", "secret": "…", "rate": "20/s" } }`);
  }
  const out = new Map<string, ResolvedEndpoint>();
  for (const [tenant, raw] of Object.entries(value as { [k: string]: unknown })) {
    const at = `${what} endpoint "${tenant}"`;
    if (typeof raw !== 'object' || raw === null) throw new ConfigError(`${at}: expected { url, secret, rate? }, got ${JSON.stringify(raw)}`);
    const c = raw as Partial<WebhookEndpointConfig>;
    let url: URL;
    try {
      url = new URL(String(c.url));
    } catch {
      throw new ConfigError(`${at}: url ${JSON.stringify(c.url)} is not a URL; give an http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${at}: url must be http or https, got ${url.protocol}`);
    if (typeof c.secret !== 'string' || c.secret.length < 16) throw new ConfigError(`${at}: secret must be a string of at least 16 characters (receivers verify the signature with it)`);
    const rate = parseRate(c.rate ?? '10/s', `${at} rate`);
    const int = (v: number | undefined, dflt: number, name: string) => checkPositiveInt(v ?? dflt, name, at, (m) => new ConfigError(m));
    out.set(tenant, {
      tenant, url, secret: c.secret,
      ratePerSec: (rate.count * 1000) / rate.perMs,
      burst: int(c.burst, 1, 'burst'),
      maxConcurrency: int(c.maxConcurrency, 4, 'maxConcurrency'),
      timeoutMs: toMillis(c.timeout ?? '10s', `${at} timeout`),
      failureThreshold: int(c.failureThreshold, 5, 'failureThreshold'),
      openMs: toMillis(c.openFor ?? '30s', `${at} openFor`),
    });
  }
  return out;
}
