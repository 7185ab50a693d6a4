import type { StateStore, StoreBuilder } from '../state/state-store.js';
import type { InstanceDirectory } from './instance-directory.js';
import type { KeyPartitioner } from './key-partitioner.js';

/** What the query routes see of one node running in this process. */
export interface NodeView {
  readonly node: string;
  readonly stores: readonly StoreBuilder[];
  /** The store's instances of the tasks running here, by partition. */
  read(store: string): Map<number, StateStore>;
  /** The input partitions this instance holds now. */
  partitions(): number[];
  /** Finds a key's partition; undefined for a node without input topics (one task, partition 0). */
  readonly partitioner: KeyPartitioner | undefined;
  /** The node's other instances and what they hold. */
  readonly directory: InstanceDirectory;
}
