import { createHash } from 'node:crypto';
import { ConfigError, type JsonValue, type Topology } from '@vision-flow/core';
import { IMAGE_HTTP_PORT } from '../build/dockerfile.js';
import { describedSetting } from './described-setting.js';

/** What the generators need to know about one node, read from the topology and its description. */
export interface DeployNode {
  /** The node's name in the topology (`--node`, VF_NODE). */
  readonly name: string;
  /** A DNS-1123 label for Kubernetes objects: `<topology>-<node>`, lowercased, at most 63 characters. */
  readonly resourceName: string;
  /** Reads a source rather than topics; `bounded`: the source ends (a batch, run to completion). */
  readonly source: { readonly kind: string; readonly bounded: boolean } | undefined;
  readonly stores: readonly string[];
  /** Has a store kept on disk: a volume at the state folder (a StatefulSet on Kubernetes). */
  readonly persistent: boolean;
  /** Runs an object or face detector: asks for more CPU and memory, scales on CPU. */
  readonly vision: boolean;
  /** The port an HTTP source listens on (published / exposed), from its describe(). */
  readonly ingestPort: number | undefined;
  /** The parameter naming the address the source listens on: set to 0.0.0.0 in a container. */
  readonly ingestHostParam: string | undefined;
  /** Stateless or change-logged nodes reading topics: copies share the work through the consumer group. */
  readonly scalable: boolean;
  readonly replicas: number;
  /** The most partitions of its input topics: more copies than this would idle. */
  readonly maxUsefulReplicas: number;
}

export interface DeployModel {
  readonly topology: string;
  /** Where the topology file is inside the image. */
  readonly topologyInImage: string;
  /** The topology file as given on the command line, for the "generated from" header. */
  readonly topologyFile: string;
  readonly image: string;
  readonly brokers: string;
  readonly registry: string;
  readonly namespace: string | undefined;
  readonly nodes: readonly DeployNode[];
  /** `--set` parameters every node gets. */
  readonly params: { readonly [name: string]: JsonValue };
}

export interface DeployModelOptions {
  readonly topologyFile: string;
  readonly topologyInImage: string;
  readonly image: string;
  readonly brokers: string;
  readonly registry: string;
  readonly namespace?: string | undefined;
  readonly replicas?: { readonly [node: string]: number };
  readonly params?: { readonly [name: string]: JsonValue };
}

/** The node HTTP server's port in every container (/health, /ready, /metrics, query views): the image's. */
export const NODE_HTTP_PORT = IMAGE_HTTP_PORT;
/**
 * The image's working folder (user vf, uid 10001), where persistent stores keep their data
 * (`.vision-flow/state`): their volume is mounted here.
 */
export const STATE_MOUNT = '/data';
export const IMAGE_USER_ID = 10001;
/** Where models are mounted (read-only) in a container. */
export const MODEL_DIR = '/models';

const VISION_OPERATOR = /^detect(Objects|Faces)\b/;

/** Reads what compose and Kubernetes files need from a topology; options are checked here, naming the fix. */
export function deployModel(topology: Topology, opts: DeployModelOptions): DeployModel {
  const description = topology.describe();
  const replicas = opts.replicas ?? {};
  for (const name of Object.keys(replicas)) {
    if (!topology.nodes.some((n) => n.name === name)) {
      throw new ConfigError(`--replicas ${name}=${replicas[name]}: ${topology.name} has no node "${name}"; its nodes: ${topology.nodes.map((n) => n.name).join(', ')}`, { option: 'replicas' });
    }
  }
  const params = opts.params ?? {};
  const nodes = topology.nodes.map((def): DeployNode => {
    const d = description.nodes.find((x) => x.name === def.name)!;
    const input = def.plan.input;
    const source = input.kind === 'source' ? { kind: input.source.kind, bounded: input.source.bounded } : undefined;
    const persistent = def.stores.some((s) => s.persistent === true);
    const portSetting = d.input.kind === 'source' ? d.input.settings['port'] : undefined;
    const ingestPort = portSetting === undefined ? undefined : toPort(describedSetting(portSetting, params), def.name);
    const hostSetting = d.input.kind === 'source' ? d.input.settings['host'] : undefined;
    const ingestHostParam = ingestPort !== undefined && typeof hostSetting === 'string' ? /^\$([^\s(]+)/.exec(hostSetting)?.[1] : undefined;
    const scalable = input.kind === 'topics' && !persistent;
    const wanted = replicas[def.name] ?? 1;
    if (!Number.isInteger(wanted) || wanted < 1) throw new ConfigError(`--replicas ${def.name}=${wanted}: give a positive whole number of copies`, { option: 'replicas' });
    if (wanted > 1 && source?.bounded) throw new ConfigError(`--replicas ${def.name}=${wanted}: node ${def.name} reads a bounded ${source.kind} source; copies would each submit everything. Run one.`, { option: 'replicas' });
    if (wanted > 1 && ingestPort !== undefined) throw new ConfigError(`--replicas ${def.name}=${wanted}: node ${def.name} publishes ingest port ${ingestPort}, which one host port cannot give several copies; run one here, or scale it on Kubernetes behind its Service`, { option: 'replicas' });
    return {
      name: def.name,
      resourceName: dnsLabel(`${topology.name}-${def.name}`),
      source,
      stores: def.stores.map((s) => s.name),
      persistent,
      vision: d.operators.some((op) => VISION_OPERATOR.test(op)),
      ingestPort,
      ingestHostParam: ingestHostParam !== undefined && params[ingestHostParam] === undefined ? ingestHostParam : undefined,
      scalable,
      replicas: wanted,
      maxUsefulReplicas: input.kind === 'topics' ? Math.max(...input.topics.map((t) => t.partitions)) : 1,
    };
  });
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.resourceName)) throw new ConfigError(`nodes of ${topology.name} map to the same resource name ${n.resourceName}: rename one (names are lowercased and '_' becomes '-')`);
    names.add(n.resourceName);
  }
  return { topology: topology.name, topologyInImage: opts.topologyInImage, topologyFile: opts.topologyFile, image: opts.image, brokers: opts.brokers, registry: opts.registry, namespace: opts.namespace, nodes, params };
}

function toPort(value: JsonValue, node: string): number {
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`node ${node}: its source's port is ${JSON.stringify(value)}, not a TCP port 1-65535; pass --set <its parameter>=<port>`, { node });
  }
  if (port === NODE_HTTP_PORT) throw new ConfigError(`node ${node}: its source listens on ${port}, the port of the node's own HTTP server in containers; give the source another port`, { node });
  return port;
}

/** A Kubernetes object name (DNS-1123 label): lowercase alphanumerics and '-', at most 63, a hash when shortened. */
export function dnsLabel(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (clean.length <= 63) return clean;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${clean.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
