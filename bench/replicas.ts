// Runs a pass-through as N processes (bench/passthrough-replica.ts), the way a deployment scales a
// node past one core (`vision-flow up --replicas pass=N`), and sums what they cost.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_FLAGS } from '../packages/cli/src/node-runtime-flags.js';

interface Common {
  readonly brokers: string;
  /** Every replica's group (the node's topology name, or the raw loop's group id). */
  readonly name: string;
}

export type ReplicaSpec =
  | (Common & { readonly kind: 'node'; readonly registry: string; readonly namespace: string; readonly maxInFlight?: number; readonly linger?: number })
  | (Common & { readonly kind: 'raw'; readonly inputTopic: string; readonly outputTopic: string; readonly acks: 'each' | 'flush'; readonly partitions: readonly number[] });

/** What one replica cost from its start to 'stop'. */
export interface ReplicaReport {
  readonly cpuSeconds: number;
  readonly threads: ReadonlyArray<readonly [string, number]>;
  readonly eventLoopBusy: number;
  readonly gcSeconds: number;
}

const replicaScript = fileURLToPath(new URL('./passthrough-replica.ts', import.meta.url));

export class Replicas {
  private readonly children: ChildProcess[];
  private stopping = false;
  private exit: string | undefined;
  private readonly reports: Array<Promise<ReplicaReport>>;
  private readonly exits: Array<Promise<void>>;

  /**
   * Forks one process per spec; they inherit this process's node flags (tsx's loader, --cpu-prof). A
   * node replica also gets the V8 flags the CLI starts node processes with.
   */
  constructor(specs: readonly ReplicaSpec[]) {
    const launchedAt = Date.now();
    const children = specs.map((spec) =>
      fork(replicaScript, [JSON.stringify(spec), String(launchedAt)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: spec.kind === 'node' ? [...NODE_RUNTIME_FLAGS, ...process.execArgv] : process.execArgv,
      }),
    );
    this.children = children;
    this.reports = children.map((c) => new Promise((resolve) => c.once('message', (m) => resolve(m as ReplicaReport))));
    this.exits = children.map((c, i) => new Promise((resolve) => c.once('exit', (code, signal) => {
      if (!this.stopping) this.exit ??= `replica ${i + 1} exited (${signal ?? code})`;
      resolve();
    })));
  }

  /** Why the run failed: a replica that exited before it was told to stop. */
  failed(): string | undefined {
    return this.exit;
  }

  /** Stops every replica and returns their summed cost. */
  async stop(): Promise<ReplicaReport> {
    this.stopping = true;
    for (const c of this.children) if (c.connected) c.send('stop');
    const reports = await Promise.race([Promise.all(this.reports), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('replicas did not report within 60 s')), 60_000))]);
    await Promise.all(this.exits);
    const threads = new Map<string, number>();
    for (const r of reports) for (const [name, s] of r.threads) threads.set(name, (threads.get(name) ?? 0) + s);
    return {
      cpuSeconds: reports.reduce((n, r) => n + r.cpuSeconds, 0),
      threads: [...threads],
      eventLoopBusy: reports.reduce((n, r) => n + r.eventLoopBusy, 0) / reports.length,
      gcSeconds: reports.reduce((n, r) => n + r.gcSeconds, 0),
    };
  }
}
