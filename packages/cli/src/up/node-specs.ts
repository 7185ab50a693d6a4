import { hostname } from 'node:os';
import { ConfigError, type JsonValue, type Topology } from '@vision-flow/core';
import type { LaunchSpec } from './launcher.js';

/**
 * Parses `--replicas objects=2` (repeatable, or comma-separated) against the topology: every
 * node runs once unless given more. A source node (it reads no topic) runs once: two copies of
 * it would each submit everything.
 */
export function parseReplicas(assignments: readonly string[], topology: Topology): Map<string, number> {
  const replicas = new Map(topology.nodes.map((n) => [n.name, 1]));
  for (const a of assignments.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '')) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(a);
    if (!m) throw new ConfigError(`--replicas ${a}: write it as node=count, e.g. --replicas objects=2`, { option: 'replicas', value: a });
    const [, node, countText] = m as unknown as [string, string, string];
    const count = Number(countText);
    const def = topology.nodes.find((n) => n.name === node);
    if (!def) throw new ConfigError(`--replicas ${a}: topology ${topology.name} has no node "${node}"; its nodes are ${topology.nodes.map((n) => n.name).join(', ')}`, { option: 'replicas', value: a });
    if (count < 1) throw new ConfigError(`--replicas ${a}: a node runs at least once; leave it out of the topology's run with \`run --node\` instead`, { option: 'replicas', value: a });
    if (count > 1 && def.plan.input.kind === 'source') {
      throw new ConfigError(`--replicas ${a}: ${node} is a source node (it reads no topic), so each copy would submit everything again; only nodes that read topics share their partitions between replicas`, { option: 'replicas', value: a });
    }
    replicas.set(node, count);
  }
  return replicas;
}

export interface NodeSpecsInput {
  readonly topology: Topology;
  readonly topologyFile: string;
  readonly replicas: ReadonlyMap<string, number>;
  /** The environment every node shares: VF_BROKERS, VF_REGISTRY, VF_NAMESPACE, VF_MODEL_DIR, ... */
  readonly env: { readonly [k: string]: string };
  /** Topology parameters, passed to every node as `--set name=value`. */
  readonly params: { readonly [name: string]: JsonValue };
  /** One HTTP port per replica, in the order of the specs (nodes in topology order, replicas 1..n). */
  readonly httpPorts: readonly number[];
  readonly httpHost: string;
  /** Extra `run` arguments for every node. */
  readonly args?: readonly string[];
}

/**
 * One launch spec per replica, with the environment a container of the node would get. Each
 * replica has its own static group membership id (VF_INSTANCE_ID), so a restarted one takes its
 * partitions back at once instead of waiting out its dead predecessor's session.
 */
export function nodeSpecs(input: NodeSpecsInput): LaunchSpec[] {
  const setArgs = Object.entries(input.params).flatMap(([name, value]) => ['--set', `${name}=${paramText(name, value)}`]);
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60);
  const specs: LaunchSpec[] = [];
  for (const def of input.topology.nodes) {
    for (let replica = 1; replica <= (input.replicas.get(def.name) ?? 1); replica++) {
      const port = input.httpPorts[specs.length];
      if (port === undefined) throw new RangeError(`nodeSpecs: ${input.httpPorts.length} ports for more replicas`);
      specs.push({
        topologyFile: input.topologyFile,
        node: def.name,
        replica,
        env: { ...input.env, VF_NODE: def.name, VF_HTTP_PORT: String(port), VF_HTTP_HOST: input.httpHost, VF_INSTANCE_ID: `${host}-${def.name}-${replica}` },
        // Replicas of one node on one machine keep persistent stores apart (replica 1 uses run's default folder).
        args: ['--no-progress', ...setArgs, ...(replica > 1 ? ['--state-dir', `.vision-flow/state/replica-${replica}`] : []), ...(input.args ?? [])],
      });
    }
  }
  return specs;
}

/** The text of `--set name=<text>` that `run` reads back as the same value. */
function paramText(name: string, value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  throw new ConfigError(`parameter ${name} is a JSON ${Array.isArray(value) ? 'array' : 'object'}; up passes parameters to its nodes as --set name=value, which holds strings, numbers, true, false and null`, { param: name });
}
