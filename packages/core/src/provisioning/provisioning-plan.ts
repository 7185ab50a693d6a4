import type { Topology } from '../dsl/topology.js';
import type { Incompatibility } from '../serde/avro/compatibility.js';
import type { TopicSpec } from '../transport/transport.js';
import type { ProvisionedRole } from './topology-topic-specs.js';

/** A difference between a topic on the cluster and the topology's spec of it. */
export type TopicChange =
  | { readonly kind: 'partitions'; readonly from: number; readonly to: number }
  | { readonly kind: 'config'; readonly name: string; readonly from: string | null; readonly to: string };

/** One topic of the plan. `kept`: differences apply leaves alone, each with the reason. */
export interface TopicPlan {
  readonly name: string;
  readonly role: ProvisionedRole;
  readonly spec: TopicSpec;
  /** Configs the topic is created with or kept at (cleanup.policy, retention.ms, max.message.bytes). */
  readonly configs: { readonly [name: string]: string };
  readonly action: 'create' | 'update' | 'none';
  readonly changes: readonly TopicChange[];
  readonly kept: readonly string[];
}

/** One registry subject of the plan. */
export interface SubjectPlan {
  readonly subject: string;
  readonly topic: string;
  /** `register`: a new subject or version; `read`: only read here, and readable; `incompatible`: refused. */
  readonly action: 'register' | 'none' | 'incompatible';
  readonly writes: boolean;
  /** The registered version equal to the topology's schema, when there is one. */
  readonly version: number | undefined;
  /** Its global schema id. */
  readonly id: number | undefined;
  readonly latest: number | undefined;
  readonly problems: readonly Incompatibility[];
  /** Compatibility level checked against (READ for subjects the topology only reads). */
  readonly level: string;
}

/** What `vision-flow apply` would do; `vision-flow plan` prints it. */
export interface ProvisioningPlan {
  readonly topology: Topology;
  /** Replication factor new topics get (-1: the broker's default.replication.factor). */
  readonly replicationFactor: number;
  readonly topics: readonly TopicPlan[];
  readonly subjects: readonly SubjectPlan[];
  /** Topics named `<topology>.…` on the cluster that the topology no longer declares (old changelogs...). */
  readonly unknownTopics: readonly string[];
}

/** Whether applying the plan changes anything (unknown topics only with `deleteUnknown`). */
export function planHasChanges(plan: ProvisioningPlan, opts: { deleteUnknown?: boolean } = {}): boolean {
  return plan.topics.some((t) => t.action !== 'none') || plan.subjects.some((s) => s.action === 'register') || (opts.deleteUnknown === true && plan.unknownTopics.length > 0);
}

/** Subjects whose schema the registry refuses; apply changes nothing while there are any. */
export function incompatibleSubjects(plan: ProvisioningPlan): SubjectPlan[] {
  return plan.subjects.filter((s) => s.action === 'incompatible');
}
