import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, runCli, type CliResult } from './cli.js';
import { KafkaNamespace } from './kafka-namespace.js';

/** One node row of `vision-flow ps --json` (the state file's `nodes`). */
export interface UpNode {
  readonly node: string;
  readonly replica: number;
  readonly name: string;
  readonly pid?: number;
  readonly container?: string;
  readonly httpPort?: number;
  readonly restarts: number;
  readonly status: string;
}

/**
 * One test's `vision-flow up` of a topology on the real broker: a namespace and a working folder
 * of its own (so the state file `.vision-flow/up/<name>.json` never meets another test's), `ps`
 * and `down` run there as a user would, and every node process `up` ever started (from its
 * `started (pid N)` lines) known, so teardown leaves none behind whatever happened.
 *
 * @example
 * const up = new UpRun('t-up');
 * beforeAll(() => up.setUp());
 * afterAll(() => up.tearDown());
 * it('...', async () => { up.start([IMAGE_PIPELINE, '--images', SHARED_IMAGES]); await up.waitForLog('...', (l) => ...); });
 */
export class UpRun {
  readonly namespace: KafkaNamespace;
  /** The working folder of up, ps and down (made by setUp). */
  work = '';
  process: CliProcess | undefined;

  constructor(prefix: string) {
    this.namespace = new KafkaNamespace(prefix);
  }

  async setUp(): Promise<void> {
    this.work = await mkdtemp(join(tmpdir(), `vf-${this.namespace.name}-`));
    await this.namespace.connect();
  }

  /** `vision-flow up <args> --brokers … --registry … --namespace …` in the working folder. */
  start(args: readonly string[], timeoutMs = 20 * 60_000): CliProcess {
    this.process = new CliProcess(['up', ...args, ...this.namespace.cliArgs], { cwd: this.work, timeoutMs });
    return this.process;
  }

  /** Every pid up reported in a `<name> started (pid N)` line, by name. */
  startedPids(): Array<{ name: string; pid: number }> {
    const out = this.process?.stdout ?? '';
    return [...out.matchAll(/^up\s+\| (\S+) started \(pid (\d+)\)/gm)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
  }

  /** Resolves once up's output (stdout and stderr) has a line `match` accepts; fails if up exits first. */
  async waitForLog(what: string, match: (line: string) => boolean, timeoutMs = 120_000): Promise<string> {
    const find = () => (this.process!.stdout + this.process!.stderr).split('\n').find(match);
    await this.process!.waitFor(what, () => find() !== undefined, timeoutMs);
    return find()!;
  }

  /** `vision-flow <args>` in the working folder (ps, down). */
  cli(args: readonly string[], timeoutMs = 180_000): Promise<CliResult> {
    return runCli(args, { cwd: this.work, timeoutMs });
  }

  /** The nodes as `vision-flow ps --json` reports them. */
  async ps(topology?: string): Promise<UpNode[]> {
    const r = await this.cli(['ps', ...(topology ? [topology] : []), '--json']);
    if (r.code !== 0) throw new Error(`vision-flow ps failed (exit ${r.code}): ${r.stderr}`);
    return (JSON.parse(r.stdout) as { nodes: UpNode[] }).nodes;
  }

  /** Pids of `startedPids()` still running a node (checked in /proc, so a reused pid is never taken for one). */
  livePids(): Array<{ name: string; pid: number }> {
    return this.startedPids().filter(({ pid }) => alive(pid) && runsNode(pid));
  }

  /** What up printed, tail-clipped, for failure messages. */
  describe(max = 6000): string {
    return `--- up stdout:\n${(this.process?.stdout ?? '').slice(-max)}\n--- up stderr:\n${(this.process?.stderr ?? '').slice(-2000)}`;
  }

  /** Stops up if it still runs (SIGTERM, SIGKILL after 60 s), SIGKILLs any node left, drops the namespace, deletes the folder. */
  async tearDown(): Promise<void> {
    const p = this.process;
    if (p && p.child.exitCode === null && p.child.signalCode === null) {
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
      await p.exited.finally(() => clearTimeout(timer));
    }
    for (const { pid } of this.livePids()) process.kill(pid, 'SIGKILL');
    await this.namespace.drop();
    if (this.work) await rm(this.work, { recursive: true, force: true });
  }
}

/** Whether `pid` runs `vision-flow run … --node …`. */
function runsNode(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('run') && args.includes('--node');
  } catch {
    return false;
  }
}

/** Whether the process runs (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
