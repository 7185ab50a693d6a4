// `vision-flow deploy --target k8s` output: every object validated by kubernetes-models against
// the Kubernetes OpenAPI schemas, and read the way a user reads it: one workload per node, of the
// right kind, with its probes, resources, Service, disruption budget and autoscaler.
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { documents, generate, TOPOLOGIES } from './generate.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels: { [k: string]: string } }; spec: any; [k: string]: any };

/** The model class of each kind deploy writes; any other kind fails the test. */
const MODELS: { [key: string]: new (o: any) => { validate(): void } } = {
  'apps/v1 Deployment': Deployment,
  'apps/v1 StatefulSet': StatefulSet,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1 Job': Job,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Service': Service,
};

async function manifests(topology: string, extra: readonly string[] = []) {
  const g = await generate(topology, 'k8s', extra);
  const byFile = new Map([...g.files].map(([name, text]) => [name, documents(text) as Obj[]]));
  const kustomization = byFile.get('kustomization.yaml')!;
  byFile.delete('kustomization.yaml');
  return { files: g.files, byFile, kustomization: kustomization[0]!, objects: [...byFile.values()].flat() };
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'Job']);
const nodeOf = (o: Obj) => o.metadata.labels['app.kubernetes.io/component'];

describe('vision-flow deploy --target k8s', () => {
  it('validation can fail: a Deployment without a probe port is refused', () => {
    const bad = { metadata: { name: 'a' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'x', livenessProbe: { httpGet: { path: '/health' } } }] } } } };
    expect(() => new Deployment(bad as never).validate()).toThrow(/port/);
  });

  it.each([TOPOLOGIES.pipeline, TOPOLOGIES.analytics, TOPOLOGIES.persistent, TOPOLOGIES.http])('writes objects that pass the Kubernetes schemas for %s', async (topology) => {
    const { objects, kustomization, files } = await manifests(topology, topology === TOPOLOGIES.http ? ['--set', 'ingestSecret=s3cret'] : []);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion} ${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind} ${o.metadata.name}`).toBeDefined();
      expect(() => new Model!(o).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    expect(kustomization['resources']).toEqual([...files.keys()].filter((f) => f !== 'kustomization.yaml'));
  });

  it.each([
    { topology: TOPOLOGIES.pipeline, workloads: { aggregate: 'Deployment', deliver: 'Deployment', faces: 'Deployment', ingest: 'Job', objects: 'Deployment' } },
    { topology: TOPOLOGIES.analytics, workloads: { activity: 'Deployment', 'activity-by-camera': 'Deployment', 'label-counts': 'Deployment', 'label-counts-by-camera-label': 'Deployment' } },
    { topology: TOPOLOGIES.persistent, workloads: { totals: 'StatefulSet' } },
  ])('finds exactly one workload per node of $topology, of the right kind', async ({ topology, workloads }) => {
    const { objects, byFile } = await manifests(topology);
    const found = objects.filter((o) => workloadKinds.has(o.kind) && nodeOf(o) !== 'provision');
    expect(Object.fromEntries(found.map((o) => [nodeOf(o), o.kind]))).toEqual(workloads);
    expect(found).toHaveLength(Object.keys(workloads).length);
    for (const node of Object.keys(workloads)) expect(byFile.get(`node-${node}.yaml`)?.filter((o) => workloadKinds.has(o.kind))).toHaveLength(1);
    const job = objects.filter((o) => o.kind === 'Job' && nodeOf(o) === 'provision');
    expect(job).toHaveLength(1);
    expect(job[0]!.spec.template.spec.containers[0].args[0]).toBe('apply');
  });

  it('gives every node container its env, probes and resources, vision nodes more, and scales them on CPU', async () => {
    const { objects } = await manifests(TOPOLOGIES.pipeline, ['--brokers', 'kafka.infra:9092']);
    const config = objects.find((o) => o.kind === 'ConfigMap')!;
    expect(config['data']).toMatchObject({ VF_BROKERS: 'kafka.infra:9092', VF_HTTP_PORT: '8080', VF_MODEL_DIR: '/models' });
    const container = (node: string) => objects.find((o) => o.kind === 'Deployment' && nodeOf(o) === node)!.spec.template.spec.containers[0];
    for (const node of ['objects', 'faces', 'aggregate', 'deliver']) {
      const c = container(node);
      expect(c.args).toEqual(['run', '/app/topologies/image-pipeline.ts', '--node', node]);
      expect(c.env).toContainEqual({ name: 'VF_NODE', value: node });
      expect(c.envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(c.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    }
    const cpuMilli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    expect(cpuMilli(container('objects').resources.requests.cpu)).toBeGreaterThan(cpuMilli(container('aggregate').resources.requests.cpu));
    expect(cpuMilli(container('faces').resources.requests.cpu)).toBeGreaterThan(cpuMilli(container('deliver').resources.requests.cpu));
    const hpa = (node: string) => objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && nodeOf(o) === node)!;
    expect(hpa('objects').spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(hpa('objects').spec.maxReplicas).toBe(6);
    expect(hpa('deliver').spec.metrics[0].external.metric).toEqual({ name: 'vision_flow_consumer_lag', selector: { matchLabels: { node: 'deliver' } } });
    for (const node of ['objects', 'faces', 'aggregate', 'deliver']) {
      expect(objects.filter((o) => o.kind === 'Service' && nodeOf(o) === node).map((s) => s.spec.ports.map((p: { port: number }) => p.port))).toEqual([[8080]]);
      expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' && nodeOf(o) === node)).toHaveLength(1);
    }
  });

  it('runs a node with persistent stores as a StatefulSet with a volume claim per pod and a stable instance id', async () => {
    const { objects } = await manifests(TOPOLOGIES.persistent);
    const sts = objects.find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.volumeClaimTemplates.map((v: { metadata: { name: string } }) => v.metadata.name)).toEqual(['state']);
    const c = sts.spec.template.spec.containers[0];
    expect(c.volumeMounts).toContainEqual({ name: 'state', mountPath: '/data' });
    expect(c.env).toContainEqual({ name: 'VF_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    const svc = objects.find((o) => o.kind === 'Service')!;
    expect([sts.spec.serviceName, svc.spec.clusterIP]).toEqual([svc.metadata.name, 'None']);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('exposes the ingest port of an HTTP source on its Service', async () => {
    const { objects } = await manifests(TOPOLOGIES.http, ['--set', 'ingestSecret=s3cret']);
    const svc = objects.find((o) => o.kind === 'Service' && nodeOf(o) === 'ingest')!;
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['http', 8080], ['ingest', 8088]]);
  });
});
