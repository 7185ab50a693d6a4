import { ConfigError, InstanceDirectory, VisionFlowError, errorMessage, instancesTopicName, storeKeyId, type Topology } from '@vision-flow/core';
import { resolveConfig } from '../../config/resolve-config.js';
import { connect } from '../../connect.js';
import { loadTopology } from '../../load-topology.js';
import type { QueryOptions, QueryResult } from './types.js';

export type { QueryOptions, QueryResult } from './types.js';

interface Answer {
  readonly status: number;
  readonly body: { error?: string; owner?: { instanceId: string; url: string } } & { [k: string]: unknown };
}

/**
 * `vision-flow query <topology> <store> [key]`: asks a running instance's query views (from
 * `--url`, else any instance in `<topology>.<node>.instances`) for a key's value or windows, or,
 * without a key, every instance for its entries. A key held by another instance is answered with
 * that instance (HTTP 421), and the question is asked there once.
 */
export async function query(file: string, store: string, key: string | undefined, opts: QueryOptions): Promise<QueryResult> {
  const topology = await loadTopology(file);
  const node = nodeOf(topology, store, opts.node);
  const search = new URLSearchParams();
  if (opts.from !== undefined) search.set('from', opts.from);
  if (opts.to !== undefined) search.set('to', opts.to);
  if (opts.node !== undefined) search.set('node', opts.node);
  const path = `/stores/${encodeURIComponent(store)}${key === undefined ? '' : `/${encodeURIComponent(key)}`}${search.size > 0 ? `?${search}` : ''}`;
  const urls = opts.url ? [opts.url.replace(/\/+$/, '')] : await instanceUrls(topology, node, opts);
  const notes: string[] = [];
  if (key === undefined) {
    // Entries are per instance (each holds some partitions): ask them all and merge.
    const answers = await Promise.all(urls.map((u) => ask(u, path)));
    const failed = answers.find((a) => a.status !== 200);
    if (failed) return { exitCode: 1, json: JSON.stringify(failed.body), notes };
    const text = (e: unknown) => storeKeyId((e as { key: unknown }).key);
    const entries = answers.flatMap((a) => a.body['entries'] as unknown[]).sort((x, y) => (text(x) < text(y) ? -1 : text(x) > text(y) ? 1 : 0));
    return { exitCode: 0, json: JSON.stringify({ store, instances: answers.map((a) => ({ instanceId: a.body['instanceId'], partitions: a.body['partitions'] })), entries }), notes };
  }
  let answer = await askAny(urls, path);
  if (answer.status === 421 && answer.body.owner) {
    const { instanceId, url } = answer.body.owner;
    notes.push(`${answer.body.error ?? `the key is held by instance ${instanceId}`}; asking it at ${url}`);
    answer = await ask(url, path);
  }
  if (answer.status === 200) return { exitCode: 0, json: JSON.stringify(answer.body), notes };
  if (answer.status === 404) return { exitCode: 1, json: JSON.stringify(answer.body), notes: [...notes, answer.body.error ?? 'not found'] };
  if (answer.status === 400) throw new ConfigError(answer.body.error ?? 'the query views refused the question');
  throw new VisionFlowError(`query views answered ${answer.status}: ${answer.body.error ?? JSON.stringify(answer.body)}`, { code: 'QUERY_FAILED', retriable: true });
}

/** The node that has `store` (the one named by --node when several have). */
function nodeOf(topology: Topology, store: string, node: string | undefined): string {
  const having = topology.nodes.filter((n) => n.stores.some((s) => s.name === store) && (node === undefined || n.name === node));
  if (having.length === 1) return having[0]!.name;
  if (having.length > 1) throw new ConfigError(`nodes ${having.map((n) => n.name).join(', ')} of topology "${topology.name}" all have a store "${store}"; pick one with --node`);
  const stores = topology.nodes.flatMap((n) => n.stores.map((s) => `${s.name} (node ${n.name})`));
  throw new ConfigError(`topology "${topology.name}" has no store "${store}"${node ? ` in node ${node}` : ''}; its stores: ${stores.join(', ') || 'none'}`);
}

/** The URLs of the node's running instances, as they published them. */
async function instanceUrls(topology: Topology, node: string, opts: QueryOptions): Promise<string[]> {
  const config = resolveConfig({ brokers: opts.brokers, registry: opts.registry, namespace: opts.namespace, config: opts.config, transport: 'kafka' });
  const { transport, registry, close } = await connect(config);
  try {
    const topic = instancesTopicName(topology.name, node);
    const noneRunning = `no instance of node ${node} serves query views (nothing in ${topic}${config.namespace ? ` under namespace ${config.namespace}` : ''}); run it with --query-port, or pass --url`;
    if (!(await transport.admin().describeTopic(topic))) throw new ConfigError(noneRunning);
    const directory = await InstanceDirectory.open({ transport, registry, topology: topology.name, node });
    const urls = directory.instances().map((i) => i.url);
    await directory.close();
    if (urls.length === 0) throw new ConfigError(noneRunning);
    return urls;
  } finally {
    await close();
  }
}

/** The first instance that answers (one may have stopped since it published). */
async function askAny(urls: readonly string[], path: string): Promise<Answer> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      return await ask(url, path);
    } catch (e) {
      failures.push(errorMessage(e));
    }
  }
  throw new VisionFlowError(`no query view answered: ${failures.join('; ')}`, { code: 'QUERY_UNREACHABLE', retriable: true });
}

async function ask(url: string, path: string): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new VisionFlowError(`${url} did not answer: ${errorMessage((e as { cause?: unknown }).cause ?? e)}`, { code: 'QUERY_UNREACHABLE', retriable: true });
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Answer['body'] };
  } catch {
    throw new VisionFlowError(`${url}${path} answered ${res.status} with something other than JSON: ${text.slice(0, 200)}`, { code: 'QUERY_FAILED', retriable: true });
  }
}
