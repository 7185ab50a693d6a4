import { ConfigError } from '../errors/config-error.js';
import { TopologyError } from '../errors/topology-error.js';
import { NodeTopics } from '../runtime/node/node-topics.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import type { TransportAdmin } from '../transport/transport.js';
import { incompatibleSubjects, type ProvisioningPlan } from './provisioning-plan.js';

export interface ApplyOptions {
  readonly admin: TransportAdmin;
  readonly registry: SchemaRegistry;
  /** Delete the plan's unknown topics (`--delete-unknown`); otherwise nothing is ever deleted. */
  readonly deleteUnknown?: boolean;
  /** Told each step as it is done, e.g. `created vision.objects (6 partitions)`. */
  readonly onStep?: (line: string) => void;
}

/**
 * Does what the plan says: creates missing topics, adds partitions, sets drifted configs, registers
 * schemas the way each node does when it starts (NodeTopics.prepare: inputs checked readable,
 * outputs, dead letters and changelogs registered), and deletes unknown topics only when asked.
 * Refuses before any change when a schema is incompatible.
 */
export async function applyProvisioning(plan: ProvisioningPlan, opts: ApplyOptions): Promise<void> {
  const { admin } = opts;
  if (!admin.createPartitions || !admin.alterTopicConfigs) throw new ConfigError('apply needs the kafka transport: pass --brokers host:port or set VF_BROKERS');
  const step = opts.onStep ?? (() => undefined);
  const refused = incompatibleSubjects(plan);
  if (refused.length > 0) {
    throw new TopologyError(`apply changed nothing: the registry refuses ${refused.map((s) => s.subject).join(', ')} (run vision-flow plan for the fields)`, { topology: plan.topology.name });
  }
  const create = plan.topics.filter((t) => t.action === 'create');
  if (create.length > 0) {
    await admin.createTopics(create.map((t) => t.spec));
    for (const t of create) step(`created ${t.name} (${t.spec.partitions} partitions, ${Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  }
  for (const t of plan.topics.filter((x) => x.action === 'update')) {
    for (const c of t.changes) {
      if (c.kind === 'partitions') {
        await admin.createPartitions(t.name, c.to);
        step(`grew ${t.name} from ${c.from} to ${c.to} partitions`);
      }
    }
    const configs = Object.fromEntries(t.changes.flatMap((c) => (c.kind === 'config' ? [[c.name, c.to]] : [])));
    if (Object.keys(configs).length > 0) {
      await admin.alterTopicConfigs(t.name, configs);
      step(`set ${t.name} ${Object.entries(configs).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    }
  }
  if (plan.subjects.some((s) => s.action === 'register')) {
    for (const node of plan.topology.nodes) await new NodeTopics(plan.topology.name, node).prepare(opts.registry, admin);
    for (const s of plan.subjects.filter((x) => x.action === 'register')) step(`registered ${s.subject}`);
  }
  if (opts.deleteUnknown && plan.unknownTopics.length > 0) {
    await admin.deleteTopics(plan.unknownTopics);
    for (const n of plan.unknownTopics) step(`deleted ${n}`);
  }
}
