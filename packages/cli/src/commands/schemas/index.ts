import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, planSubjects, topologySubjects, ConfigError, type SchemaRegistry } from '@vision-flow/core';
import { resolveConfig } from '../../config/resolve-config.js';
import { loadTopology } from '../../load-topology.js';
import type { SchemasOptions, SchemasResult } from './types.js';

export type { SchemasOptions, SchemasResult } from './types.js';

async function registryFor(opts: SchemasOptions): Promise<SchemaRegistry> {
  const config = resolveConfig({ registry: opts.registry, namespace: opts.namespace, config: opts.config });
  if (!config.registry) throw new ConfigError('schemas commands need a schema registry: pass --registry <url> (e.g. http://127.0.0.1:8081/apis/ccompat/v7) or set VF_REGISTRY');
  const registry = await ConfluentSchemaRegistry.connect({ url: config.registry });
  return config.namespace === undefined ? registry : new NamespacedSchemaRegistry(registry, config.namespace);
}

/**
 * `vision-flow schemas check <topology>`: compares every subject the topology writes with the
 * registry under the subject's compatibility level, and every subject it only reads with the
 * latest registered version (its reader schema must read that data). Exit 1 naming the subject
 * and field when something is incompatible.
 */
export async function check(file: string, opts: SchemasOptions): Promise<SchemasResult> {
  const topology = await loadTopology(file);
  const registry = await registryFor(opts);
  const subjects = await planSubjects(topology, registry);
  const lines: string[] = [];
  for (const s of subjects) {
    if (s.action !== 'incompatible') {
      lines.push(`ok            ${s.subject}  ${s.latest === undefined ? 'not registered yet' : s.version !== undefined ? `registered as version ${s.version} (id ${s.id})` : `compatible with version ${s.latest}`}`);
      continue;
    }
    for (const p of s.problems) lines.push(`INCOMPATIBLE  ${s.subject}  field ${p.path}: ${p.message} (${s.level})`);
  }
  const bad = subjects.filter((s) => s.action === 'incompatible').length;
  lines.push(bad === 0 ? `all ${subjects.length} subjects of ${topology.name} are compatible with ${registry.address}` : `${bad} subject(s) of ${topology.name} are incompatible with ${registry.address}`);
  return { exitCode: bad === 0 ? 0 : 1, lines };
}

/** `vision-flow schemas register <topology>`: registers the subjects the topology writes. */
export async function register(file: string, opts: SchemasOptions): Promise<SchemasResult> {
  const topology = await loadTopology(file);
  const registry = await registryFor(opts);
  const lines: string[] = [];
  for (const s of topologySubjects(topology).filter((x) => x.writes)) {
    const id = await registry.register(s.subject, s.schema);
    lines.push(`registered  ${s.subject}  id ${id}`);
  }
  return { exitCode: 0, lines };
}

/** `vision-flow schemas print <topology>`: each subject's Avro schema, as .avsc JSON. */
export async function print(file: string): Promise<SchemasResult> {
  const topology = await loadTopology(file);
  return { exitCode: 0, lines: topologySubjects(topology).map((s) => `// ${s.subject} (${s.role}${s.writes ? ', written' : ', read'})\n${JSON.stringify(s.schema, null, 2)}`) };
}
