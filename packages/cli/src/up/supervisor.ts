import { setTimeout as sleepFor } from 'node:timers/promises';
import { backoffDelay } from '@vision-flow/core';
import type { Launched, Launcher, LaunchSpec } from './launcher.js';
import type { NodeState, NodeStatus } from './node-status.js';
import { readLines } from './read-lines.js';
import type { SupervisionPolicy } from './supervision-policy.js';
import type { SupervisorEvent } from './supervisor-event.js';

export interface SupervisorOptions {
  readonly launcher: Launcher;
  /** One spec per replica of each node. */
  readonly specs: readonly LaunchSpec[];
  readonly policy: SupervisionPolicy;
  readonly onEvent: (e: SupervisorEvent) => void;
  /** Each line a node prints (stdout and stderr), with its name (`objects#1`). */
  readonly onLine: (name: string, line: string) => void;
  /** After every change of a node's state, e.g. to keep the state file current. */
  readonly onChange?: (nodes: readonly NodeState[]) => void;
  /** Waits between crash and restart; tests pass one that does not wait. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export interface SupervisorResult {
  /** Nodes given up on. */
  readonly failed: readonly string[];
  /** Why the supervisor stopped its nodes, if it did (a signal, `down`, giving up with stop-all). */
  readonly stoppedBecause: string | undefined;
}

type Exit = { code: number | null; signal: string | null };

/** One replica's life across its processes. */
interface Child {
  readonly spec: LaunchSpec;
  readonly name: string;
  status: NodeStatus;
  restarts: number;
  /** Times of crashes within the policy's window (older ones are dropped). */
  crashes: number[];
  current: Launched | undefined;
  startedAt: number | undefined;
  lastExit: Exit | undefined;
}

const defaultSleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }).catch(() => undefined);

/**
 * Keeps the nodes of a topology running, one launched process (or container) per replica, as an
 * Erlang/Akka supervisor with a one_for_one strategy: a node that crashes (non-zero exit or a
 * signal) is restarted alone after an exponential backoff; one that crashes more than
 * `maxRestarts` times within `windowMs` is given up on (policy.onGiveUp). A node that exits 0 by
 * itself has finished (its bounded source drained) and stays down. `stop()` ends all: SIGTERM,
 * then SIGKILL after the stop timeout.
 */
export class Supervisor {
  private readonly children: Child[];
  private readonly abort = new AbortController();
  private stoppedBecause: string | undefined;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private running: Promise<SupervisorResult> | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    this.children = opts.specs.map((spec) => ({ spec, name: `${spec.node}#${spec.replica}`, status: 'starting', restarts: 0, crashes: [], current: undefined, startedAt: undefined, lastExit: undefined }));
    this.sleep = opts.sleep ?? defaultSleep;
    this.now = opts.now ?? Date.now;
  }

  /** Starts every node; resolves once none is left running (all done, failed or stopped). */
  run(): Promise<SupervisorResult> {
    this.running ??= Promise.all(this.children.map((c) => this.supervise(c))).then(() => ({
      failed: this.children.filter((c) => c.status === 'failed').map((c) => c.name),
      stoppedBecause: this.stoppedBecause,
    }));
    this.changed();
    return this.running;
  }

  /** Stops every node gracefully (SIGTERM, SIGKILL after the stop timeout); no more restarts. Resolves when all have ended. */
  async stop(reason: string): Promise<SupervisorResult> {
    if (this.stoppedBecause === undefined) {
      this.stoppedBecause = reason;
      this.abort.abort();
      const live = this.children.filter((c) => c.current !== undefined);
      this.opts.onEvent({ type: 'stopping', reason, running: live.length, timeoutMs: this.opts.policy.stopTimeoutMs });
      for (const c of live) this.terminate(c, c.current!);
      this.changed();
    }
    return this.run();
  }

  /** SIGKILL every node now (a second Ctrl-C); the supervisor still waits for them to be reaped. */
  killNow(): void {
    for (const c of this.children) c.current?.kill('SIGKILL');
  }

  snapshot(): NodeState[] {
    return this.children.map((c) => {
      const port = Number(c.spec.env['VF_HTTP_PORT']);
      return {
        node: c.spec.node,
        replica: c.spec.replica,
        name: c.name,
        ...(c.current?.pid !== undefined ? { pid: c.current.pid } : {}),
        ...(c.current?.container !== undefined ? { container: c.current.container } : {}),
        ...(Number.isInteger(port) && port > 0 ? { httpPort: port } : {}),
        restarts: c.restarts,
        status: c.status,
        ...(c.startedAt !== undefined ? { startedAt: new Date(c.startedAt).toISOString() } : {}),
        ...(c.lastExit ? { lastExit: c.lastExit } : {}),
      };
    });
  }

  private async supervise(c: Child): Promise<void> {
    const { policy, onEvent } = this.opts;
    while (this.stoppedBecause === undefined) {
      const started = this.now();
      const exit = await this.runOnce(c);
      c.lastExit = exit;
      const uptimeMs = this.now() - started;
      if (this.stoppedBecause !== undefined) {
        c.status = 'stopped';
        onEvent({ type: 'stopped', name: c.name, code: exit.code, signal: exit.signal });
        break;
      }
      if (exit.code === 0) {
        c.status = 'done';
        onEvent({ type: 'done', name: c.name, uptimeMs });
        break;
      }
      const at = this.now();
      c.crashes = [...c.crashes.filter((t) => at - t < policy.windowMs), at];
      onEvent({ type: 'crashed', name: c.name, code: exit.code, signal: exit.signal, uptimeMs, crashesInWindow: c.crashes.length });
      if (c.crashes.length > policy.maxRestarts) {
        c.status = 'failed';
        onEvent({ type: 'gave-up', name: c.name, crashes: c.crashes.length, windowMs: policy.windowMs, stoppingAll: policy.onGiveUp === 'stop-all' });
        this.changed();
        if (policy.onGiveUp === 'stop-all') void this.stop(`gave up on ${c.name}`);
        break;
      }
      // The delay grows with the crashes still in the window, so a node that stayed up a while starts over at the first step.
      const delayMs = backoffDelay(c.crashes.length, { maxAttempts: Infinity, initialDelayMs: policy.initialBackoffMs, maxDelayMs: policy.maxBackoffMs, multiplier: 2, jitter: 0, maxElapsedMs: Infinity });
      c.status = 'backoff';
      onEvent({ type: 'restarting', name: c.name, delayMs, restart: c.restarts + 1 });
      this.changed();
      await this.sleep(delayMs, this.abort.signal);
      if (this.stoppedBecause !== undefined) {
        c.status = 'stopped';
        break;
      }
      c.restarts += 1;
      c.status = 'starting';
    }
    if (c.status === 'starting') c.status = 'stopped'; // stopped before it was (re)launched
    this.changed();
  }

  /** Launches the node once and waits for its end (a failed launch counts as a crash). */
  private async runOnce(c: Child): Promise<Exit> {
    let launched: Launched;
    try {
      launched = await this.opts.launcher.launch(c.spec);
    } catch (e) {
      this.opts.onEvent({ type: 'launch-failed', name: c.name, error: e instanceof Error ? e.message : String(e) });
      return { code: null, signal: null };
    }
    c.current = launched;
    c.startedAt = this.now();
    c.status = this.stoppedBecause === undefined ? 'running' : 'stopping';
    const lines = readLines(launched.output, (line) => this.opts.onLine(c.name, line));
    this.opts.onEvent({ type: 'started', name: c.name, pid: launched.pid, restarts: c.restarts });
    this.changed();
    if (this.stoppedBecause !== undefined) this.terminate(c, launched);
    const exit = await launched.exited;
    // The node's last lines (often why it crashed) come before the supervisor's verdict; output a
    // grandchild still holds open must not hold the supervisor.
    await Promise.race([lines, sleepFor(1_000)]);
    c.current = undefined;
    return exit;
  }

  private terminate(c: Child, launched: Launched): void {
    c.status = 'stopping';
    launched.kill('SIGTERM');
    const { stopTimeoutMs } = this.opts.policy;
    const timer = setTimeout(() => {
      this.opts.onEvent({ type: 'killing', name: c.name, afterMs: stopTimeoutMs });
      launched.kill('SIGKILL');
    }, stopTimeoutMs);
    void launched.exited.then(() => clearTimeout(timer));
  }

  private changed(): void {
    this.opts.onChange?.(this.snapshot());
  }
}
