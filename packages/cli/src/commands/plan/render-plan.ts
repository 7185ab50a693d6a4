import { incompatibleSubjects, planHasChanges, type ProvisioningPlan, type TopicPlan } from '@vision-flow/core';

const configText = (configs: { readonly [k: string]: string }) => Object.entries(configs).map(([k, v]) => `${k}=${v}`).join(' ');

function topicLines(t: TopicPlan, replication: string): string[] {
  const where = `${t.name}  (${t.role})`;
  const lines: string[] = [];
  if (t.action === 'create') lines.push(`+ create topic  ${where}  partitions=${t.spec.partitions} replication=${replication} ${configText(t.configs)}`);
  for (const c of t.changes) {
    if (c.kind === 'partitions') lines.push(`~ partitions    ${where}  ${c.from} -> ${c.to} (keys hash to new partitions from then on)`);
    else lines.push(`~ config        ${where}  ${c.name}: ${c.from ?? '(unset)'} -> ${c.to}`);
  }
  for (const k of t.kept) lines.push(`! kept          ${where}  ${k}`);
  return lines;
}

/** The plan as `vision-flow plan` prints it: one line per change, then a summary line. */
export function renderPlan(plan: ProvisioningPlan, target: string): string[] {
  const replication = plan.replicationFactor > 0 ? String(plan.replicationFactor) : 'broker-default';
  const lines = plan.topics.flatMap((t) => topicLines(t, replication));
  for (const s of plan.subjects) {
    if (s.action === 'register') lines.push(`+ register      ${s.subject}  ${s.latest === undefined ? 'new subject' : `new version after ${s.latest}`} (${s.level})`);
    for (const p of s.problems) lines.push(`! INCOMPATIBLE  ${s.subject}  field ${p.path}: ${p.message} (${s.level})`);
  }
  for (const n of plan.unknownTopics) lines.push(`? unknown topic ${n}  not declared by ${plan.topology.name}; kept (apply --delete-unknown deletes it)`);
  const creates = plan.topics.filter((t) => t.action === 'create').length;
  const updates = plan.topics.filter((t) => t.action === 'update').length;
  const registers = plan.subjects.filter((s) => s.action === 'register').length;
  const refused = incompatibleSubjects(plan).length;
  if (!planHasChanges(plan) && refused === 0) lines.push(`${plan.topology.name} on ${target}: nothing to do (${plan.topics.length} topics, ${plan.subjects.length} subjects up to date)`);
  else lines.push(`${plan.topology.name} on ${target}: ${creates} topic(s) to create, ${updates} to change, ${registers} subject(s) to register${refused > 0 ? `, ${refused} INCOMPATIBLE (apply refuses)` : ''}`);
  return lines;
}
