import { ConfigError, incompatibleSubjects, planProvisioning } from '@vision-flow/core';
import { resolveConfig } from '../../config/resolve-config.js';
import { connect, type Connection } from '../../connect.js';
import { loadTopology } from '../../load-topology.js';
import { renderPlan } from './render-plan.js';
import type { ProvisionOptions, ProvisionResult } from './types.js';

export type { ApplyOptions, ProvisionOptions, ProvisionResult } from './types.js';

/** Connects to the brokers and registry the flags, environment or config file name (Kafka only). */
export async function connectForProvisioning(opts: ProvisionOptions): Promise<{ connection: Connection; target: string }> {
  const config = resolveConfig({ brokers: opts.brokers, registry: opts.registry, namespace: opts.namespace, config: opts.config, transport: 'kafka' });
  if (!config.brokers) throw new ConfigError('plan and apply compare a topology with a cluster: pass --brokers host:port or set VF_BROKERS');
  if (opts.replicationFactor !== undefined && !(Number.isInteger(opts.replicationFactor) && opts.replicationFactor > 0)) {
    throw new ConfigError(`--replication-factor must be a positive integer, got ${opts.replicationFactor}`, { option: 'replicationFactor' });
  }
  const connection = await connect(config, { replicationFactor: opts.replicationFactor });
  return { connection, target: `${config.brokers}${config.namespace ? ` (namespace ${config.namespace})` : ''}` };
}

/** `vision-flow plan <topology>`: what apply would change on the cluster and registry; reads only. Exit 1 when a schema is refused. */
export async function plan(file: string, opts: ProvisionOptions): Promise<ProvisionResult> {
  const topology = await loadTopology(file);
  const { connection, target } = await connectForProvisioning(opts);
  try {
    const p = await planProvisioning(topology, { admin: connection.transport.admin(), registry: connection.registry, ...(opts.replicationFactor ? { replicationFactor: opts.replicationFactor } : {}) });
    return { exitCode: incompatibleSubjects(p).length > 0 ? 1 : 0, lines: renderPlan(p, target) };
  } finally {
    await connection.close();
  }
}
