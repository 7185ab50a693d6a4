import type { Topology } from '../dsl/topology.js';
import { topologySubjects } from '../runtime/topology-subjects.js';
import { readProblems, sameSchema } from '../serde/avro/compatibility.js';
import type { SchemaRegistry } from '../serde/avro/schema-registry.js';
import type { SubjectPlan } from './provisioning-plan.js';

/**
 * Each registry subject of the topology against the registry, sorted: a subject it writes is
 * checked under the subject's compatibility level (`register` when not there yet); a subject it
 * only reads must read the latest registered version. What `schemas check` and `plan` print.
 */
export async function planSubjects(topology: Topology, registry: SchemaRegistry): Promise<SubjectPlan[]> {
  const subjects: SubjectPlan[] = [];
  for (const s of topologySubjects(topology).sort((a, b) => (a.subject < b.subject ? -1 : 1))) {
    const versions = await registry.versions(s.subject);
    const latest = versions.at(-1);
    const same = versions.find((v) => sameSchema(v.schema, s.schema));
    const problems = s.writes ? (same ? [] : await registry.check(s.subject, s.schema)) : latest ? readProblems(s.schema, latest.schema) : [];
    const level = s.writes ? await registry.compatibility(s.subject) : 'READ';
    const action = problems.length > 0 ? 'incompatible' : s.writes && !same ? 'register' : 'none';
    subjects.push({ subject: s.subject, topic: s.topic, action, writes: s.writes, version: same?.version, id: same?.id, latest: latest?.version, problems, level });
  }
  return subjects;
}
