export type NodeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What a node has done so far; the parts of a node add to one shared instance. */
export interface NodeCounts {
  processed: number;
  deadLettered: number;
  produced: number;
}

export interface NodeStats extends Readonly<NodeCounts> {
  readonly node: string;
  readonly state: NodeState;
  readonly inFlight: number;
  /** Records the node may hold in flight; `inFlightLimit - inFlight` is what it may pull now (its pull credits). */
  readonly inFlightLimit: number;
  readonly sourceExhausted: boolean;
  /** Records a bounded source will give in all, when it knows. */
  readonly sourceTotal: number | undefined;
}
