// Runs of one topology, one after another, on one memory transport and state folder: what a node
// restarted with the same state sees. Each run reports the restores its stores made.
import { topic } from '../dsl/topic.js';
import { topology, type Topology } from '../dsl/topology.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { stateful } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { keyValueStore } from '../state/stores.js';
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

/** Counts records per key in store `counts` and forwards each new count. */
class Count implements Processor<Rec<string, number>, Rec<string, number>> {
  private ctx!: ProcessorContext<Rec<string, number>>;
  private counts!: KeyValueStore<string, number>;
  init(ctx: ProcessorContext<Rec<string, number>>): void {
    this.ctx = ctx;
    this.counts = ctx.getStateStore('counts');
  }
  process(rec: Rec<string, number>): void {
    const n = (this.counts.get(rec.key) ?? 0) + 1;
    this.counts.put(rec.key, n);
    void this.ctx.forward(rec.withValue(n));
  }
  close(): void {}
}

export const countInput = topic('events', { value: avro.long(), partitions: 1 });

/** `name`: events → count (store `counts`, logged to `<name>.count.counts.changelog`) → totals. */
export function countTopology(name: string, opts: { persistent: boolean }): Topology {
  const counts = keyValueStore('counts', { key: avro.string(), value: avro.long(), persistent: opts.persistent });
  const output = topic('totals', { value: avro.long(), partitions: 1 });
  return topology(name).node('count', (n) => n.from(countInput).pipe(stateful({ name: 'count', stores: [counts], get: () => new Count() })).to(output));
}
