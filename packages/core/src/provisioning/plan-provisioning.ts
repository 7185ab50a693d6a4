import type { Topology } from '../dsl/topology.js';
import { ConfigError } from '../errors/config-error.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import { MANAGED_TOPIC_CONFIGS, topicConfigs } from '../transport/topic-configs.js';
import type { TransportAdmin } from '../transport/transport.js';
import { planSubjects } from './plan-subjects.js';
import type { TopicChange, TopicPlan, ProvisioningPlan } from './provisioning-plan.js';
import { topologyTopics, type ProvisionedTopic } from './topology-topic-specs.js';

export interface PlanOptions {
  readonly admin: TransportAdmin;
  readonly registry: SchemaRegistry;
  /** Replication factor for new topics and to compare existing ones with; -1 or absent: the broker's default (not compared). */
  readonly replicationFactor?: number;
}

/**
 * Compares a topology with the cluster and the registry: topics to create, partitions to add,
 * configs that drifted, schemas to register or refused. Reads only.
 */
export async function planProvisioning(topology: Topology, opts: PlanOptions): Promise<ProvisioningPlan> {
  const { admin, registry } = opts;
  if (!admin.topicState) throw new ConfigError('plan and apply need the kafka transport: pass --brokers host:port or set VF_BROKERS');
  const replicationFactor = opts.replicationFactor ?? -1;
  const wanted = topologyTopics(topology);
  const topics: TopicPlan[] = [];
  for (const t of wanted) topics.push(planTopic(t, await admin.topicState(t.spec.name, MANAGED_TOPIC_CONFIGS), replicationFactor));
  const names = new Set(wanted.map((t) => t.spec.name));
  const unknownTopics = (await admin.listTopics()).filter((n) => n.startsWith(`${topology.name}.`) && !names.has(n)).sort();
  const subjects = await planSubjects(topology, registry);
  return { topology, replicationFactor, topics, subjects, unknownTopics };
}

function planTopic(t: ProvisionedTopic, state: Awaited<ReturnType<NonNullable<TransportAdmin['topicState']>>>, replicationFactor: number): TopicPlan {
  const configs = topicConfigs(t.spec);
  const base = { name: t.spec.name, role: t.role, spec: t.spec, configs };
  if (state === undefined) return { ...base, action: 'create', changes: [], kept: [] };
  const changes: TopicChange[] = [];
  const kept: string[] = [];
  if (state.partitions < t.spec.partitions) changes.push({ kind: 'partitions', from: state.partitions, to: t.spec.partitions });
  if (state.partitions > t.spec.partitions) kept.push(`has ${state.partitions} partitions, the topology declares ${t.spec.partitions}: Kafka cannot shrink a topic (delete it and apply again to recreate it, losing its records)`);
  for (const [name, value] of Object.entries(configs)) {
    if (state.configs[name] !== value) changes.push({ kind: 'config', name, from: state.configs[name] ?? null, to: value });
  }
  if (replicationFactor > 0 && state.replicationFactor !== replicationFactor) {
    kept.push(`replication factor ${state.replicationFactor}, asked for ${replicationFactor}: apply does not move replicas (use kafka-reassign-partitions.sh)`);
  }
  return { ...base, action: changes.length > 0 ? 'update' : 'none', changes, kept };
}
