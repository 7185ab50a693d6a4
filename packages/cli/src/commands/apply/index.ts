import { applyProvisioning, incompatibleSubjects, planHasChanges, planProvisioning } from '@vision-flow/core';
import { loadTopology } from '../../load-topology.js';
import { connectForProvisioning } from '../plan/index.js';
import { renderPlan } from '../plan/render-plan.js';
import type { ApplyOptions, ProvisionResult } from '../plan/types.js';

/**
 * `vision-flow apply <topology>`: creates the topology's topics, grows partitions, sets drifted
 * configs and registers its schemas; deletes nothing unless `--delete-unknown`. Prints each step
 * as it is done. Exit 1, changing nothing, when the registry refuses a schema.
 */
export async function apply(file: string, opts: ApplyOptions, log: (line: string) => void = () => undefined): Promise<ProvisionResult> {
  const topology = await loadTopology(file);
  const { connection, target } = await connectForProvisioning(opts);
  try {
    const admin = connection.transport.admin();
    const p = await planProvisioning(topology, { admin, registry: connection.registry, ...(opts.replicationFactor ? { replicationFactor: opts.replicationFactor } : {}) });
    if (incompatibleSubjects(p).length > 0) return { exitCode: 1, lines: [...renderPlan(p, target), 'apply changed nothing'] };
    if (!planHasChanges(p, { deleteUnknown: opts.deleteUnknown })) return { exitCode: 0, lines: renderPlan(p, target) };
    const lines: string[] = [];
    await applyProvisioning(p, { admin, registry: connection.registry, deleteUnknown: opts.deleteUnknown === true, onStep: (l) => (lines.push(l), log(l)) });
    const kept = p.topics.flatMap((t) => t.kept.map((k) => `! kept ${t.name}: ${k}`));
    return { exitCode: 0, lines: [...kept, `${topology.name} on ${target}: applied (${lines.length} change(s))`] };
  } finally {
    await connection.close();
  }
}
