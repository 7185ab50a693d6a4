import { ConfigError } from '@vision-flow/core';
import { COMPOSE_BROKERS, COMPOSE_REGISTRY, kafkaService, registryService } from './compose-stack.js';
import { MODEL_DIR, NODE_HTTP_PORT, STATE_MOUNT, type DeployModel } from './deploy-model.js';
import { nodeArgs } from './node-args.js';
import { nodeResources } from './node-resources.js';

/** Names the generated file gives the broker, the registry and the provisioning job. */
const INFRA = ['kafka', 'registry', 'provision'];

/** The node's /health, asked from inside its container with the image's own Node (no curl in a minimal image). */
export const HEALTH_PROBE = ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${NODE_HTTP_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];

/**
 * A compose file for the topology: Kafka and the registry, a one-shot `provision` service that
 * runs `vision-flow apply` (topics, schemas), and one service per node that starts once it
 * succeeded. Models come from the host folder $VF_MODEL_DIR (default ./models), read-only.
 */
export function composeFile(model: DeployModel): object {
  const services: { [name: string]: object } = { kafka: kafkaService(), registry: registryService() };
  const env = (extra: { [k: string]: string }) => ({
    VF_BROKERS: COMPOSE_BROKERS,
    VF_REGISTRY: COMPOSE_REGISTRY,
    ...(model.namespace === undefined ? {} : { VF_NAMESPACE: model.namespace }),
    ...extra,
  });
  services['provision'] = {
    image: model.image,
    command: ['apply', model.topologyInImage],
    environment: env({}),
    depends_on: { kafka: { condition: 'service_healthy' }, registry: { condition: 'service_healthy' } },
    restart: 'on-failure',
  };
  const volumes: { [name: string]: object } = { 'kafka-data': {} };
  for (const node of model.nodes) {
    if (INFRA.includes(node.name)) throw new ConfigError(`node "${node.name}" has the name of a service the compose file adds (${INFRA.join(', ')}); rename the node`, { node: node.name });
    const r = nodeResources(node);
    const state = `${node.resourceName}-state`;
    if (node.persistent) volumes[state] = {};
    services[node.name] = {
      image: model.image,
      command: nodeArgs(model, node),
      environment: env({ VF_NODE: node.name, VF_HTTP_PORT: String(NODE_HTTP_PORT), VF_HTTP_HOST: '0.0.0.0', VF_MODEL_DIR: MODEL_DIR }),
      depends_on: { provision: { condition: 'service_completed_successfully' } },
      healthcheck: { test: HEALTH_PROBE, interval: '10s', timeout: '5s', retries: 3, start_period: '60s' },
      // A bounded source (a folder of images) is a batch: started by hand (`docker compose run`, with
      // its input mounted), done once it exits 0.
      ...(node.source?.bounded ? { profiles: ['batch'], restart: 'no' } : { restart: 'unless-stopped' }),
      stop_grace_period: '30s',
      volumes: [
        { type: 'bind', source: '${VF_MODEL_DIR:-./models}', target: MODEL_DIR, read_only: true },
        ...(node.persistent ? [{ type: 'volume', source: state, target: STATE_MOUNT }] : []),
      ],
      ...(node.ingestPort === undefined ? {} : { ports: [`${node.ingestPort}:${node.ingestPort}`] }),
      deploy: {
        ...(node.persistent || node.source ? {} : { replicas: node.replicas }),
        resources: {
          limits: { cpus: composeCpus(r.limits.cpu), memory: `${r.limits.memoryMi}M` },
          reservations: { cpus: composeCpus(r.requests.cpu), memory: `${r.requests.memoryMi}M` },
        },
      },
      labels: { 'io.vision-flow.topology': model.topology, 'io.vision-flow.node': node.name },
    };
  }
  return { services, volumes };
}

/** Kubernetes CPU quantities (`100m`, `2`) as compose writes them (`0.1`, `2`). */
function composeCpus(cpu: string): string {
  return cpu.endsWith('m') ? String(Number(cpu.slice(0, -1)) / 1000) : cpu;
}
