export interface ProvisionOptions {
  readonly brokers?: string;
  readonly registry?: string;
  readonly namespace?: string;
  readonly config?: string;
  /** Replication factor for new topics (default: the broker's default.replication.factor). */
  readonly replicationFactor?: number;
}

export interface ApplyOptions extends ProvisionOptions {
  /** Delete topics named `<topology>.…` that the topology no longer declares. */
  readonly deleteUnknown?: boolean;
}

export interface ProvisionResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}
