import type { HttpAnswer, HttpRoutes } from '../query/node-http-server.js';
import type { NodeMetrics } from './node-metrics.js';
import type { NodeReadiness } from './node-readiness.js';

/**
 * `/health` (200 while the process serves), `/ready` (200 once every node here is assigned and
 * restored, else 503 saying what each waits for) and `/metrics` (Prometheus text; `?format=json` for
 * prom-client's JSON) of a node process.
 */
export class NodeEndpoints implements HttpRoutes {
  readonly paths = ['/health', '/ready', '/metrics'];

  constructor(
    private readonly self: { readonly topology: string; readonly nodes: readonly string[] },
    private readonly readiness: NodeReadiness,
    private readonly metrics: NodeMetrics,
  ) {}

  async handle(method: string, url: URL): Promise<HttpAnswer | undefined> {
    if (!this.paths.includes(url.pathname)) return undefined;
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { error: `${method} ${url.pathname} is not served; use GET` } };
    const { topology, nodes } = this.self;
    switch (url.pathname) {
      case '/health':
        return { status: 200, body: { status: 'ok', topology, nodes, pid: process.pid } };
      case '/ready': {
        const r = this.readiness.check();
        return { status: r.ready ? 200 : 503, body: { status: r.ready ? 'ready' : 'not ready', topology, nodes: r.nodes } };
      }
      default:
        // ?format=json: prom-client's own JSON of the same registry, for readers without a text-format parser (vision-flow top).
        if (url.searchParams.get('format') === 'json') return { status: 200, body: await this.metrics.registry.getMetricsAsJSON() };
        return { status: 200, body: await this.metrics.text(), contentType: this.metrics.contentType };
    }
  }
}
