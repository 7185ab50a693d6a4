import { nodeArgs } from './node-args.js';
import { IMAGE_USER_ID, MODEL_DIR, NODE_HTTP_PORT, STATE_MOUNT, type DeployModel, type DeployNode } from './deploy-model.js';
import { LAG_METRIC, LAG_TARGET_PER_POD, VISION_CPU_TARGET_PERCENT, nodeResources } from './node-resources.js';

type Obj = { [k: string]: unknown };

export const labels = (model: DeployModel, component: string): Obj => ({
  'app.kubernetes.io/name': 'vision-flow',
  'app.kubernetes.io/instance': model.topology,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/managed-by': 'vision-flow',
});
const selector = (model: DeployModel, node: DeployNode): Obj => ({ 'app.kubernetes.io/instance': model.topology, 'app.kubernetes.io/component': node.name });
export const configMapName = (model: DeployModel) => `${model.topology}-connection`;
export const modelsClaimName = (model: DeployModel) => `${model.topology}-models`;

/** The kind of workload a node runs as: a batch for a bounded source, a StatefulSet when it keeps stores on disk. */
export function workloadKind(node: DeployNode): 'Job' | 'StatefulSet' | 'Deployment' {
  return node.source?.bounded ? 'Job' : node.persistent ? 'StatefulSet' : 'Deployment';
}

function container(model: DeployModel, node: DeployNode): Obj {
  const r = nodeResources(node);
  return {
    name: 'node',
    image: model.image,
    args: nodeArgs(model, node),
    envFrom: [{ configMapRef: { name: configMapName(model) } }],
    env: [
      { name: 'VF_NODE', value: node.name },
      // Static membership: a restarted StatefulSet pod keeps its name, so it takes its partitions back at once.
      ...(workloadKind(node) === 'StatefulSet' ? [{ name: 'VF_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] : []),
    ],
    ports: [
      { name: 'http', containerPort: NODE_HTTP_PORT, protocol: 'TCP' },
      ...(node.ingestPort === undefined ? [] : [{ name: 'ingest', containerPort: node.ingestPort, protocol: 'TCP' }]),
    ],
    livenessProbe: { httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
    resources: {
      requests: { cpu: r.requests.cpu, memory: `${r.requests.memoryMi}Mi` },
      limits: { cpu: r.limits.cpu, memory: `${r.limits.memoryMi}Mi` },
    },
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true },
    volumeMounts: [
      { name: 'models', mountPath: MODEL_DIR, readOnly: true },
      ...(node.persistent ? [{ name: 'state', mountPath: STATE_MOUNT }] : []),
    ],
  };
}

function podTemplate(model: DeployModel, node: DeployNode, restartPolicy: 'Always' | 'OnFailure'): Obj {
  return {
    metadata: {
      labels: labels(model, node.name),
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(NODE_HTTP_PORT), 'prometheus.io/path': '/metrics' },
    },
    spec: {
      containers: [container(model, node)],
      restartPolicy,
      // The image's user; fsGroup makes the state volume writable for it.
      securityContext: { runAsUser: IMAGE_USER_ID, runAsGroup: IMAGE_USER_ID, fsGroup: IMAGE_USER_ID },
      // Time to drain in-flight records and commit after SIGTERM.
      terminationGracePeriodSeconds: 60,
      volumes: [{ name: 'models', persistentVolumeClaim: { claimName: modelsClaimName(model), readOnly: true } }],
    },
  };
}

/** The node's workload, Service, PodDisruptionBudget and HorizontalPodAutoscaler (those that apply). */
export function nodeObjects(model: DeployModel, node: DeployNode): Obj[] {
  const name = node.resourceName;
  const metadata = { name, labels: labels(model, node.name) };
  const kind = workloadKind(node);
  if (kind === 'Job') {
    return [{ apiVersion: 'batch/v1', kind, metadata, spec: { backoffLimit: 6, template: podTemplate(model, node, 'OnFailure') } }];
  }
  const out: Obj[] = [];
  const spec: Obj = { replicas: node.replicas, selector: { matchLabels: selector(model, node) }, template: podTemplate(model, node, 'Always') };
  if (kind === 'StatefulSet') {
    Object.assign(spec, {
      serviceName: name,
      podManagementPolicy: 'Parallel',
      volumeClaimTemplates: [{ metadata: { name: 'state' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
  }
  out.push({ apiVersion: 'apps/v1', kind, metadata, spec });
  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector: selector(model, node),
      // Headless for a StatefulSet: each pod gets its own DNS name (query views ask the pod that holds a key).
      ...(kind === 'StatefulSet' ? { clusterIP: 'None' } : {}),
      ports: [
        { name: 'http', port: NODE_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
        ...(node.ingestPort === undefined ? [] : [{ name: 'ingest', port: node.ingestPort, targetPort: 'ingest', protocol: 'TCP' }]),
      ],
    },
  });
  out.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector(model, node) } } });
  if (kind === 'Deployment' && (node.scalable || node.ingestPort !== undefined)) out.push(autoscaler(model, node, metadata));
  return out;
}

/** Vision nodes scale on CPU; other nodes reading topics on their consumer lag (an External metric). */
function autoscaler(model: DeployModel, node: DeployNode, metadata: Obj): Obj {
  const metric = node.vision || node.ingestPort !== undefined
    ? { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: VISION_CPU_TARGET_PERCENT } } }
    : {
        type: 'External',
        external: {
          metric: { name: LAG_METRIC, selector: { matchLabels: { node: node.name } } },
          target: { type: 'AverageValue', averageValue: LAG_TARGET_PER_POD },
        },
      };
  const max = node.ingestPort !== undefined ? Math.max(node.replicas, 4) : Math.max(node.replicas, node.maxUsefulReplicas);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: node.resourceName }, minReplicas: node.replicas, maxReplicas: max, metrics: [metric] },
  };
}
