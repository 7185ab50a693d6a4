import type { JsonValue } from '@vision-flow/core';

export interface DeployOptions {
  readonly target: 'compose' | 'k8s';
  readonly out: string;
  /** Image of the topology (default: what `vision-flow build` makes, localhost/vision-flow-<name>:latest). */
  readonly image?: string;
  /** Kubernetes: Kafka bootstrap servers the pods use (default kafka:9092). Compose runs its own broker. */
  readonly brokers?: string;
  /** Kubernetes: schema registry URL the pods use (default http://registry:8080/apis/ccompat/v7). */
  readonly registry?: string;
  readonly namespace?: string;
  /** `node=n` copies of a node. */
  readonly replicas?: readonly string[];
  readonly set?: { readonly [name: string]: JsonValue };
  /** Path of the topology file inside the image (default /app/<path relative to the current folder>). */
  readonly topologyInImage?: string;
}

export interface DeployResult {
  /** Paths written, relative to `out`, sorted. */
  readonly files: readonly string[];
  readonly lines: readonly string[];
}
