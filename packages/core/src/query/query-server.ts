import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors/vision-flow-error.js';
import type { QueryRoutes } from './query-routes.js';
import { toJson } from './query-response.js';

/**
 * The HTTP side of the query routes, on Node's own http module: a handful of GET routes with JSON
 * answers need no framework, and the core package stays free of one.
 */
export class QueryServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on `host:port` (port 0: a free port, see `port`). */
  static listen(routes: QueryRoutes, port: number, host: string): Promise<QueryServer> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://query');
      routes
        .handle(req.method ?? 'GET', url)
        .catch((e: unknown) => ({ status: 500, body: { error: errorMessage(e) } }))
        .then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(`${toJson(body)}\n`);
        });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new QueryServer(server, (server.address() as AddressInfo).port));
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
