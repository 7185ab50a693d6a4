import { MODEL_DIR, NODE_HTTP_PORT, dnsLabel, type DeployModel } from './deploy-model.js';
import { configMapName, labels, modelsClaimName, nodeObjects } from './k8s-node-objects.js';

type Obj = { [k: string]: unknown };

/**
 * The Kubernetes objects of a topology, by file: one file per node (its workload, Service,
 * PodDisruptionBudget, HorizontalPodAutoscaler), the connection ConfigMap, the provisioning Job,
 * the models volume claim, and kustomization.yaml listing them.
 */
export function kubernetesManifests(model: DeployModel): Map<string, Obj[]> {
  const files = new Map<string, Obj[]>();
  files.set('configmap.yaml', [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName(model), labels: labels(model, 'config') },
      data: {
        VF_BROKERS: model.brokers,
        VF_REGISTRY: model.registry,
        ...(model.namespace === undefined ? {} : { VF_NAMESPACE: model.namespace }),
        VF_HTTP_PORT: String(NODE_HTTP_PORT),
        VF_HTTP_HOST: '0.0.0.0',
        VF_MODEL_DIR: MODEL_DIR,
      },
    },
  ]);
  files.set('models-pvc.yaml', [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: modelsClaimName(model), labels: labels(model, 'models') },
      spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '1Gi' } } },
    },
  ]);
  files.set('provision-job.yaml', [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${model.topology}-provision`, labels: labels(model, 'provision') },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: labels(model, 'provision') },
          spec: {
            restartPolicy: 'OnFailure',
            containers: [
              {
                name: 'apply',
                image: model.image,
                args: ['apply', model.topologyInImage],
                envFrom: [{ configMapRef: { name: configMapName(model) } }],
                securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true },
              },
            ],
          },
        },
      },
    },
  ]);
  for (const node of model.nodes) files.set(`node-${dnsLabel(node.name)}.yaml`, nodeObjects(model, node));
  files.set('kustomization.yaml', [
    { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...files.keys()].sort() },
  ]);
  return files;
}
