// Runs of one topology, one after another, on one memory transport and state folder: what a node
// restarted with the same state sees. Each run reports the restores its stores made.
import type { Topology } from '../dsl/topology.js';
import type { EventPayloads } from '../instrumentation/events.js';
import { delay } from '../internal/delay.js';
import type { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import type { MemoryTransport } from '../transport/memory/memory-transport.js';
import { TopologyRunner } from './topology-runner.js';

export interface RestartRuns {
  /** Starts the topology, runs `work`, stops it; returns the `store.restored` events of that run. */
  run(work: (runner: TopologyRunner) => Promise<void>): Promise<Array<EventPayloads['store.restored']>>;
  /** Resolves once the first node has processed `n` records in this run. */
  processed(runner: TopologyRunner, n: number): Promise<void>;
}

export function restartRuns(t: Topology, deps: { transport: MemoryTransport; registry: InMemorySchemaRegistry; stateDir: string }): RestartRuns {
  return {
    async run(work) {
      const restored: Array<EventPayloads['store.restored']> = [];
      // Frequent commits, so checkpoints follow the records closely.
      const runner = new TopologyRunner(t, { ...deps, log: () => undefined, node: { commitIntervalMs: 20 } });
      runner.emitter.on('store.restored', (e) => void restored.push(e.payload));
      await runner.start();
      try {
        await work(runner);
      } finally {
        await runner.stop();
      }
      return restored;
    },
    processed: (runner, n) => until(() => runner.stats()[0]!.processed >= n),
  };
}

/** Resolves once `check` holds; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await delay(10);
  }
}
