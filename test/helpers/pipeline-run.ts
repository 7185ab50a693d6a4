import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliProcess } from './cli.js';
import { endProcesses } from './end-processes.js';
import { KafkaNamespace } from './kafka-namespace.js';
import { PipelineNode, pollUntil, type ClusterView, type PipelineNodeName } from './pipeline-processes.js';

/**
 * One test's run of the image pipeline as one process per node on the real broker: a namespace and
 * a work folder of its own, nodes started with the arguments they share, waits that fail at once
 * when a node dies on its own, and everything ended and deleted on teardown.
 *
 * @example
 * const run = new PipelineRun('t-rebal', ['--set', 'timeout=600s']);
 * beforeAll(() => run.setUp());
 * afterAll(() => run.tearDown());
 * it('...', async () => { const objects = run.start('objects'); await run.waitFor('results', ...); });
 */
export class PipelineRun {
  readonly namespace: KafkaNamespace;
  /** Every node started, in order. */
  readonly nodes: PipelineNode[] = [];
  /** A folder for what the nodes write, made by setUp() and deleted by tearDown(). */
  readonly work: string;
  /** Where the deliver node writes its results (`--out`, given to every node). */
  readonly results: string;

  /** `args`: `vision-flow run` arguments every node gets, e.g. `['--set', 'timeout=600s']`. */
  constructor(
    prefix: string,
    private readonly args: readonly string[] = [],
  ) {
    this.namespace = new KafkaNamespace(prefix);
    this.work = join(tmpdir(), `vf-${this.namespace.name}`);
    this.results = join(this.work, 'results.jsonl');
  }

  /** The test's view of the namespace (after setUp). */
  get view(): ClusterView {
    return this.namespace.view;
  }

  /** For beforeAll: makes the work folder and connects the view. */
  async setUp(): Promise<void> {
    await mkdir(this.work, { recursive: true });
    await this.namespace.connect();
  }

  /** For afterAll: ends every node still running, deletes the namespace's topics and subjects, and the work folder. */
  async tearDown(): Promise<void> {
    await endProcesses(this.nodes);
    await this.namespace.drop();
    await rm(this.work, { recursive: true, force: true });
  }

  /** Starts `name` with the shared arguments plus `args`; `instance` tells apart copies of one node. */
  start(name: PipelineNodeName, instance: string = name, args: readonly string[] = []): PipelineNode {
    const { brokers, registry, name: namespace } = this.namespace;
    const n = new PipelineNode(name, { brokers, registry, namespace, args: [...this.args, '--out', this.results, ...args] }, instance);
    this.nodes.push(n);
    n.start();
    return n;
  }

  /** Each node's current process by instance name (for stopAndCheckExit), but those `skip` leaves out. */
  processes(skip: (n: PipelineNode) => boolean = () => false): Array<readonly [string, CliProcess]> {
    return this.nodes.filter((n) => !skip(n)).map((n) => [n.instance, n.current!] as const);
  }

  /** The stderr of every node, for failure messages. */
  diagnostics(maxPerGeneration?: number): string {
    return this.nodes.map((n) => n.describe(maxPerGeneration)).join('\n');
  }

  /**
   * Throws if a node exited on its own: ingest with an error (it ends by itself when its images are
   * in), any other node at all. `killed` lists the nodes the test stops on purpose.
   */
  failIfExited(killed: readonly PipelineNode[] = []): void {
    for (const n of this.nodes) {
      const c = n.current!.child;
      const died = n.name === 'ingest' ? c.exitCode !== null && c.exitCode !== 0 : !killed.includes(n) && (c.exitCode !== null || c.signalCode !== null);
      if (died) throw new Error(`${n.instance} exited by itself (code ${c.exitCode}, signal ${c.signalCode})\n${this.diagnostics()}`);
    }
  }

  /** Polls `check` every `everyMs` until it holds; fails when a node exited on its own (see failIfExited), or after `ms`. */
  async waitFor(what: string, check: () => Promise<boolean>, ms: number, opts: { everyMs?: number; killed?: readonly PipelineNode[] } = {}): Promise<void> {
    const ok = await pollUntil(async () => (this.failIfExited(opts.killed), check()), ms, opts.everyMs ?? 300);
    if (!ok) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${this.diagnostics()}`);
  }
}
