import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { errorMessage } from '../errors/vision-flow-error.js';
import { toJson, type QueryResponse } from './query-response.js';

/** An answer of a node's HTTP route: JSON, or text when `contentType` is given and `body` a string. */
export interface HttpAnswer extends QueryResponse {
  readonly contentType?: string;
}

/** A set of routes mounted on the node's server; `undefined` when a path is not theirs. */
export interface HttpRoutes {
  /** The paths they serve, for the 404 of an unknown one, e.g. `/metrics`. */
  readonly paths: readonly string[];
  handle(method: string, url: URL): Promise<HttpAnswer | undefined>;
}

/**
 * A node process's one HTTP server (health, readiness, metrics, query views), on Node's own http
 * module: a handful of GET routes need no framework, and the core package stays free of one.
 * Routes are mounted by the parts that own them and asked in mounting order.
 */
export class NodeHttpServer {
  private readonly mounted: HttpRoutes[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly host: string,
  ) {
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://node');
      this.answer(req.method ?? 'GET', url)
        .catch((e: unknown): HttpAnswer => ({ status: 500, body: { error: errorMessage(e) } }))
        .then((a) => {
          const text = a.contentType !== undefined && typeof a.body === 'string';
          res.writeHead(a.status, { 'content-type': text ? a.contentType! : 'application/json' });
          res.end(text ? (a.body as string) : `${toJson(a.body)}\n`);
        });
    });
  }

  /** Listens on `host:port` (port 0: a free port, see `port`). */
  static listen(port: number, host = '127.0.0.1'): Promise<NodeHttpServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new NodeHttpServer(server, (server.address() as AddressInfo).port, host));
      });
    });
  }

  /** The address others reach this server at: the host name when bound to every interface. */
  get url(): string {
    const h = this.host;
    const advertised = h === '0.0.0.0' || h === '::' ? hostname() : h.includes(':') ? `[${h}]` : h;
    return `http://${advertised}:${this.port}`;
  }

  /** Serves `routes` from now on; returns a function that unmounts them. */
  mount(routes: HttpRoutes): () => void {
    this.mounted.push(routes);
    return () => {
      const i = this.mounted.indexOf(routes);
      if (i >= 0) this.mounted.splice(i, 1);
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(method: string, url: URL): Promise<HttpAnswer> {
    for (const routes of this.mounted) {
      const a = await routes.handle(method, url);
      if (a) return a;
    }
    const paths = this.mounted.flatMap((r) => r.paths);
    return { status: 404, body: { error: `no route ${url.pathname}; routes: ${paths.join(', ') || 'none yet'}` } };
  }
}
