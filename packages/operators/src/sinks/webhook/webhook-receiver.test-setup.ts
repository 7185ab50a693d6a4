// A client backend for webhook tests: node:http on loopback, one path per tenant (/hooks/<tenant>).
// It records every request as it arrives (time, id, attempt, whether the signature verifies with
// that tenant's secret, the body's tenant) and answers as the test's script says: 2xx, 4xx, 5xx,
// 429 with Retry-After, or no answer at all (the sink's timeout must fire).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from './webhook-signature.js';

export interface ReceivedRequest {
  /** Arrival, ms on the receiver's clock (performance.now()). */
  readonly at: number;
  /** When the answer was sent (undefined for one never answered). */
  answeredAt?: number;
  readonly tenant: string;
  readonly id: string;
  readonly attempt: number;
  readonly signatureValid: boolean;
  /** The `tenant` field of the JSON body. */
  readonly bodyTenant: string | undefined;
  status: number | 'no answer';
}

/** What the receiver answers to one request: a status (with headers), or `hang` (never answers). */
export type Answer = { status: number; headers?: { [name: string]: string } } | 'hang';

/** Decides each answer from the request and how many requests this tenant's path has had before it (0-based). */
export type Script = (req: { tenant: string; id: string; attempt: number; n: number }) => Answer;

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** The most requests one tenant's path had open at once. */
  readonly maxOpen = new Map<string, number>();
  private readonly open = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private server: Server | undefined;
  private port = 0;

  constructor(
    private readonly secrets: { readonly [tenant: string]: string },
    private readonly script: Script = () => ({ status: 200 }),
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(tenant: string): string {
    return `http://127.0.0.1:${this.port}/hooks/${tenant}`;
  }

  /** Ids answered with a 2xx, per tenant path. */
  delivered(tenant: string): Set<string> {
    return new Set(this.requests.filter((r) => r.tenant === tenant && typeof r.status === 'number' && r.status < 300).map((r) => r.id));
  }

  of(tenant: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.tenant === tenant);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const at = performance.now();
    const tenant = /^\/hooks\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const n = this.counts.get(tenant) ?? 0;
    this.counts.set(tenant, n + 1);
    this.open.set(tenant, (this.open.get(tenant) ?? 0) + 1);
    this.maxOpen.set(tenant, Math.max(this.maxOpen.get(tenant) ?? 0, this.open.get(tenant)!));
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      req.socket.off('end', done);
      this.open.set(tenant, this.open.get(tenant)! - 1);
    };
    res.on('close', done);
    // The client gone (its timeout aborted the request) shows first as the socket's end: the server
    // closes the response only iterations later, by when the sink may rightly have sent the next one.
    req.socket.once('end', done);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers['vf-signature'];
      const secret = this.secrets[tenant];
      let bodyTenant: string | undefined;
      try {
        bodyTenant = (JSON.parse(body.toString()) as { tenant?: string }).tenant;
      } catch {
        bodyTenant = undefined;
      }
      const id = String(req.headers['vf-webhook-id'] ?? '');
      const attempt = Number(req.headers['vf-attempt'] ?? 0);
      const entry: ReceivedRequest = { at, tenant, id, attempt, bodyTenant, status: 'no answer', signatureValid: secret !== undefined && verifyWebhook(typeof header === 'string' ? header : undefined, body, secret) };
      this.requests.push(entry);
      const answer = this.script({ tenant, id, attempt, n });
      if (answer === 'hang') return; // the sink's timeout ends it
      entry.status = answer.status;
      entry.answeredAt = performance.now();
      done(); // counted closed once answered: the sink frees its slot when it reads the answer
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify({ ok: answer.status < 300 }));
    });
  }
}

/** The most arrivals of `requests` within any window of `windowMs` starting at an arrival. */
export function maxInWindow(requests: readonly ReceivedRequest[], windowMs: number): number {
  const at = requests.map((r) => r.at).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (j < at.length && at[j]! < at[i]! + windowMs) j++;
    max = Math.max(max, j - i);
  }
  return max;
}
