import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors/config-error.js';
import { errorMessage } from '../errors/vision-flow-error.js';
import type { TopologyRunner } from '../runtime/topology-runner.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import type { StateStore } from '../state/state-store.js';
import { tpKey } from '../transport/topic-partition-key.js';
import type { Transport } from '../transport/transport.js';
import { InstanceDirectory } from './instance-directory.js';
import { KeyPartitioner } from './key-partitioner.js';
import type { NodeView } from './node-view.js';
import { QueryRoutes } from './query-routes.js';
import { NodeHttpServer } from './node-http-server.js';

export interface QueryViewsOptions {
  /** The transport and registry the runner uses: the instances topics live there too. */
  readonly transport: Transport;
  readonly registry: SchemaRegistry;
  /** The node's HTTP server to serve `/stores` on; without it, the views listen on `port` themselves. */
  readonly server?: NodeHttpServer;
  /** Port to listen on when no `server` is given; 0 picks a free one (see `url` once started). */
  readonly port?: number;
  /** Address to bind; default 127.0.0.1 (only this machine). */
  readonly host?: string;
  /** This instance's name among the node's instances; default `<hostname>-<pid>-<random>`. */
  readonly instanceId?: string;
  readonly log?: (message: string) => void;
}

/**
 * The read side of a running topology (Kafka Streams' interactive queries): serves the stores of
 * the nodes of `runner` over HTTP (see QueryRoutes), and keeps `<topology>.<node>.instances` up to
 * date with this instance's URL and partitions, so a key asked of the wrong instance is answered
 * with the one that holds it. Construct it before `runner.start()` so it sees the first assignment.
 *
 * @example
 * const views = new QueryViews(runner, { transport, registry, port: 0 });
 * await runner.start();
 * const url = await views.start();   // e.g. http://127.0.0.1:41234; GET `${url}/stores/counts/cam-1`
 */
export class QueryViews {
  readonly instanceId: string;
  private readonly held = new Map<string, Map<string, number>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly directories = new Map<string, InstanceDirectory>();
  /** The server the views listen on themselves (no `server` given), closed with them. */
  private own: NodeHttpServer | undefined;
  private unmount: (() => void) | undefined;
  private address: string | undefined;
  private publishing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly runner: TopologyRunner,
    private readonly opts: QueryViewsOptions,
  ) {
    if (opts.server === undefined && opts.port === undefined) throw new ConfigError('QueryViews needs where to serve: pass { server } (the node\'s NodeHttpServer) or { port } (0 picks a free one)', { option: 'port' });
    this.instanceId = opts.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    for (const node of this.nodes()) this.held.set(node, new Map());
    const track = (node: string, change: () => void) => {
      if (!this.held.has(node)) return;
      change();
      this.publish(node);
    };
    this.unsubscribe.push(
      runner.emitter.on('node.partitions_assigned', ({ payload: { node, partitions } }) => track(node, () => partitions.forEach((tp) => this.held.get(node)!.set(tpKey(tp), tp.partition)))),
      runner.emitter.on('node.partitions_revoked', ({ payload: { node, partitions } }) => track(node, () => partitions.forEach((tp) => this.held.get(node)!.delete(tpKey(tp))))),
    );
  }

  /** The nodes of this process that have stores. */
  nodes(): string[] {
    return this.runner.runners.filter((r) => this.runner.topology.node$(r.node).stores.length > 0).map((r) => r.node);
  }

  /** Starts serving and says where; publishes this instance to each node's instances topic. */
  async start(): Promise<string> {
    const { transport, registry, log } = this.opts;
    const topology = this.runner.topology;
    const views: NodeView[] = [];
    for (const node of this.nodes()) {
      const directory = await InstanceDirectory.open({ transport, registry, topology: topology.name, node, log });
      directory.follow();
      this.directories.set(node, directory);
      const input = topology.node$(node).plan.input;
      const partitioner = input.kind === 'topics' ? new KeyPartitioner(input.topics[0]!, registry, transport.admin()) : undefined;
      views.push({ node, stores: topology.node$(node).stores, read: (store) => this.ready(node, store), partitions: () => this.partitionsOf(node), partitioner, directory });
    }
    const routes = new QueryRoutes({ instanceId: this.instanceId, url: () => this.url }, views);
    let server = this.opts.server;
    if (!server) {
      server = this.own = await NodeHttpServer.listen(this.opts.port!, this.opts.host ?? '127.0.0.1');
    }
    // On their own server the views answer every path (their /health, their 404s); on the node's, only /stores.
    const handle = (method: string, url: URL) => routes.handle(method, url);
    this.unmount = server.mount(this.own ? { paths: ['/health', '/stores'], handle } : { paths: ['/stores'], handle: (m, u) => (u.pathname === '/stores' || u.pathname.startsWith('/stores/') ? handle(m, u) : Promise.resolve(undefined)) });
    this.address = server.url;
    for (const node of this.nodes()) this.publish(node);
    await this.publishing;
    return this.address;
  }

  get url(): string {
    if (!this.address) throw new Error('query views not started');
    return this.address;
  }

  /** Stops serving and removes this instance from the instances topics. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    await this.publishing;
    this.unmount?.();
    await this.own?.close();
    for (const [node, d] of this.directories) {
      await d.publish(this.instanceId, null).catch((e: unknown) => this.opts.log?.(`${node}: removing instance ${this.instanceId} failed: ${errorMessage(e)}`));
      await d.close();
    }
  }

  /**
   * The node's stores of the partitions it holds: assigned and restored (the assignment event comes
   * once a task is ready), so a store still restoring is never read half-full.
   */
  private ready(node: string, store: string): Map<number, StateStore> {
    const held = new Set(this.partitionsOf(node));
    return new Map([...this.runner.stores(node, store)].filter(([p]) => held.has(p)));
  }

  private partitionsOf(node: string): number[] {
    if (this.runner.topology.node$(node).plan.input.kind === 'source') return [0];
    return [...new Set(this.held.get(node)!.values())].sort((a, b) => a - b);
  }

  /** Writes the node's entry after any earlier write, once started (start writes the first). */
  private publish(node: string): void {
    const directory = this.directories.get(node);
    if (!directory || !this.address || this.closed) return;
    this.publishing = this.publishing.then(() =>
      directory
        .publish(this.instanceId, { instanceId: this.instanceId, url: this.address!, partitions: this.partitionsOf(node), updatedAt: Date.now() })
        .catch((e: unknown) => this.opts.log?.(`${node}: publishing instance ${this.instanceId} failed: ${errorMessage(e)}`)),
    );
  }
}
