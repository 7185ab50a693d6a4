import type { TopologyRunner } from '../runtime/topology-runner.js';

const SOURCE_EXHAUSTED = 'source exhausted';
const DONE = 'done (its bounded source gave its last record)';

/** Whether a node process takes work now, and if not, why (the body of a 503 from `/ready`). */
export interface Readiness {
  readonly ready: boolean;
  /** Per node: `ready`, or what it waits for. */
  readonly nodes: { readonly [node: string]: string };
}

/**
 * Readiness of the nodes of one runner (Kafka Streams' RUNNING vs REBALANCING): a node is ready once
 * it started and, when it reads topics, its partitions are assigned and their stores restored (the
 * runtime says `node.partitions_assigned` only after the restore). A revoke makes it wait for the
 * next assignment; a stopped or failed node is not ready, a bounded source that ended is done.
 */
export class NodeReadiness {
  private readonly started = new Set<string>();
  /** Nodes reading topics whose latest rebalance event was an assignment. */
  private readonly assigned = new Set<string>();
  private readonly ended = new Map<string, string>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly runner: TopologyRunner) {
    const e = runner.emitter;
    this.unsubscribe = [
      e.on('node.started', ({ payload }) => this.started.add(payload.node)),
      e.on('node.partitions_assigned', ({ payload }) => this.assigned.add(payload.node)),
      e.on('node.partitions_revoked', ({ payload }) => this.assigned.delete(payload.node)),
      // A bounded source that gave its last record is done, not unready: the rest of the process goes on.
      e.on('node.stopped', ({ payload }) => this.ended.set(payload.node, payload.reason === SOURCE_EXHAUSTED ? DONE : `stopped (${payload.reason})`)),
      e.on('node.failed', ({ payload }) => this.ended.set(payload.node, `failed: ${payload.code}: ${payload.message}`)),
    ];
  }

  check(): Readiness {
    const nodes: { [node: string]: string } = {};
    for (const r of this.runner.runners) {
      const ended = this.ended.get(r.node);
      if (ended) nodes[r.node] = ended;
      else if (!r.isSourceNode && !this.assigned.has(r.node)) nodes[r.node] = 'waiting for its input partitions to be assigned and their stores restored';
      else if (!this.started.has(r.node)) nodes[r.node] = 'starting';
      else nodes[r.node] = 'ready';
    }
    return { ready: Object.values(nodes).every((s) => s === 'ready' || s === DONE), nodes };
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}
