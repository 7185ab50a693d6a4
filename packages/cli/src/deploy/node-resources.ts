import type { DeployNode } from './deploy-model.js';

/**
 * CPU and memory a node container asks for and may use. Vision nodes run ONNX models on a worker
 * pool (several threads, a model each in memory), the others mostly move and decode records.
 */
export interface NodeResources {
  readonly requests: { readonly cpu: string; readonly memoryMi: number };
  readonly limits: { readonly cpu: string; readonly memoryMi: number };
}

export function nodeResources(node: DeployNode): NodeResources {
  return node.vision
    ? { requests: { cpu: '1', memoryMi: 1024 }, limits: { cpu: '2', memoryMi: 2048 } }
    : { requests: { cpu: '100m', memoryMi: 256 }, limits: { cpu: '1', memoryMi: 512 } };
}

/** CPU target of the autoscaler of vision nodes, in percent of the request. */
export const VISION_CPU_TARGET_PERCENT = 70;
/**
 * The consumer lag per pod at which the autoscaler adds copies of other scalable nodes: the
 * node's `vision_flow_consumer_lag` metric (records behind the last commit, per partition),
 * summed over its partitions, served to Kubernetes as an External metric.
 */
export const LAG_METRIC = 'vision_flow_consumer_lag';
export const LAG_TARGET_PER_POD = '1000';
