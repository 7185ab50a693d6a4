import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Launched, Launcher, LaunchSpec } from './launcher.js';
import type { NodeState } from './node-status.js';
import { DEFAULT_SUPERVISION, type SupervisionPolicy } from './supervision-policy.js';
import type { SupervisorEvent } from './supervisor-event.js';
import { Supervisor } from './supervisor.js';

/** A launched node the test ends by hand: `exit(code)`, or a signal; SIGTERM ends it with 0 unless stubborn. */
class FakeProcess implements Launched {
  readonly output = new PassThrough();
  readonly signals: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private resolveExit!: (e: { code: number | null; signal: string | null }) => void;
  private ended = false;

  constructor(
    readonly name: string,
    readonly pid: number,
    private readonly stubborn: boolean,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  print(line: string): void {
    this.output.write(`${line}\n`);
  }

  exit(code: number | null, signal: string | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.output.end();
    this.resolveExit({ code, signal });
  }

  kill(sig: NodeJS.Signals): void {
    this.signals.push(sig);
    if (sig === 'SIGKILL') this.exit(null, 'SIGKILL');
    else if (!this.stubborn) this.exit(0);
  }
}

/** Launches FakeProcesses and keeps them by node, in launch order; `failLaunch` names nodes whose launch throws. */
class FakeLauncher implements Launcher {
  readonly launched = new Map<string, FakeProcess[]>();
  private nextPid = 100;
  constructor(private readonly opts: { stubborn?: string[]; failLaunch?: string[] } = {}) {}

  launch(spec: LaunchSpec): Promise<Launched> {
    if (this.opts.failLaunch?.includes(spec.node)) return Promise.reject(new Error(`no such image for ${spec.node}`));
    const name = `${spec.node}#${spec.replica}`;
    const p = new FakeProcess(name, this.nextPid++, this.opts.stubborn?.includes(spec.node) ?? false);
    this.launched.set(name, [...(this.launched.get(name) ?? []), p]);
    return Promise.resolve(p);
  }

  /** The latest process of `name`, once it has been launched `generation` times. */
  async current(name: string, generation = 1): Promise<FakeProcess> {
    for (let i = 0; i < 1000; i++) {
      const list = this.launched.get(name) ?? [];
      if (list.length >= generation) return list[generation - 1]!;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`${name} was not launched ${generation} time(s)`);
  }
}

const spec = (node: string, replica = 1): LaunchSpec => ({ topologyFile: '/t.ts', node, replica, env: { VF_NODE: node, VF_HTTP_PORT: String(8000 + replica) }, args: [] });

function supervise(launcher: Launcher, specs: LaunchSpec[], policy: Partial<SupervisionPolicy> = {}, now?: () => number) {
  const events: SupervisorEvent[] = [];
  const lines: string[] = [];
  const sleeps: number[] = [];
  let last: readonly NodeState[] = [];
  const sup = new Supervisor({
    launcher,
    specs,
    policy: { ...DEFAULT_SUPERVISION, stopTimeoutMs: 20, ...policy },
    onEvent: (e) => events.push(e),
    onLine: (name, line) => lines.push(`${name} | ${line}`),
    onChange: (nodes) => (last = nodes),
    sleep: async (ms) => void sleeps.push(ms),
    ...(now ? { now } : {}),
  });
  return { sup, events, lines, sleeps, state: () => last, done: sup.run() };
}

const ofType = <T extends SupervisorEvent['type']>(events: SupervisorEvent[], type: T) => events.filter((e): e is Extract<SupervisorEvent, { type: T }> => e.type === type);

describe('Supervisor', () => {
  it('restarts a crashed node with exponential backoff and gives up after maxRestarts crashes within the window, keeping the others running', async () => {
    const launcher = new FakeLauncher();
    const { sup, events, sleeps, state, done } = supervise(launcher, [spec('objects'), spec('faces')], { maxRestarts: 3, initialBackoffMs: 1000, maxBackoffMs: 3000 });
    for (let g = 1; g <= 4; g++) (await launcher.current('objects#1', g)).exit(null, 'SIGKILL');
    const result = await Promise.race([done, new Promise((r) => setTimeout(() => r('still running'), 50))]);
    expect(result).toBe('still running'); // faces keeps running after objects failed
    expect(sleeps).toEqual([1000, 2000, 3000]); // doubling, capped at maxBackoffMs
    expect(ofType(events, 'restarting').map((e) => e.restart)).toEqual([1, 2, 3]);
    expect(ofType(events, 'gave-up')).toEqual([{ type: 'gave-up', name: 'objects#1', crashes: 4, windowMs: 60_000, stoppingAll: false }]);
    expect(state().map((n) => [n.name, n.status, n.restarts])).toEqual([['objects#1', 'failed', 3], ['faces#1', 'running', 0]]);
    expect(await sup.stop('test over')).toEqual({ failed: ['objects#1'], stoppedBecause: 'test over' });
  });

  it('does not restart a node that exited 0 by itself (its bounded source drained)', async () => {
    const launcher = new FakeLauncher();
    const { events, state, done } = supervise(launcher, [spec('ingest')]);
    (await launcher.current('ingest#1')).exit(0);
    expect(await done).toEqual({ failed: [], stoppedBecause: undefined });
    expect(launcher.launched.get('ingest#1')).toHaveLength(1);
    expect(ofType(events, 'done').map((e) => e.name)).toEqual(['ingest#1']);
    expect(state()[0]!.status).toBe('done');
  });

  it('counts only the crashes within the window: a node that stayed up long starts its backoff over', async () => {
    let t = 0;
    const launcher = new FakeLauncher();
    const { events, sleeps, sup } = supervise(launcher, [spec('objects')], { maxRestarts: 2, windowMs: 10_000 }, () => t);
    (await launcher.current('objects#1', 1)).exit(1);
    const second = await launcher.current('objects#1', 2);
    t += 1_000;
    second.exit(1);
    const third = await launcher.current('objects#1', 3);
    t += 60_000; // up for a minute: both earlier crashes left the window
    third.exit(1);
    await launcher.current('objects#1', 4);
    expect(sleeps).toEqual([1000, 2000, 1000]);
    expect(ofType(events, 'crashed').map((e) => [e.code, e.crashesInWindow])).toEqual([[1, 1], [1, 2], [1, 1]]);
    expect(ofType(events, 'gave-up')).toEqual([]);
    await sup.stop('test over');
  });

  it('with onGiveUp stop-all, stops every other node once it gives up on one', async () => {
    const launcher = new FakeLauncher();
    const { events, done } = supervise(launcher, [spec('objects'), spec('deliver')], { maxRestarts: 0, onGiveUp: 'stop-all' });
    const deliver = await launcher.current('deliver#1');
    (await launcher.current('objects#1')).exit(2);
    expect(await done).toEqual({ failed: ['objects#1'], stoppedBecause: 'gave up on objects#1' });
    expect(deliver.signals).toEqual(['SIGTERM']);
    expect(ofType(events, 'stopped').map((e) => e.name)).toEqual(['deliver#1']);
  });

  it('stops gracefully: SIGTERM to every node, SIGKILL to one still running after the stop timeout, no restart', async () => {
    const launcher = new FakeLauncher({ stubborn: ['aggregate'] });
    const { sup, events, lines, state } = supervise(launcher, [spec('objects', 1), spec('objects', 2), spec('aggregate')]);
    const aggregate = await launcher.current('aggregate#1');
    aggregate.print('restoring 3 partitions');
    const objects2 = await launcher.current('objects#2');
    expect(await sup.stop('SIGINT')).toEqual({ failed: [], stoppedBecause: 'SIGINT' });
    expect(objects2.signals).toEqual(['SIGTERM']);
    expect(aggregate.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(ofType(events, 'killing').map((e) => e.name)).toEqual(['aggregate#1']);
    expect(ofType(events, 'stopped').map((e) => [e.name, e.code, e.signal])).toEqual(
      expect.arrayContaining([['objects#1', 0, null], ['objects#2', 0, null], ['aggregate#1', null, 'SIGKILL']]),
    );
    expect(ofType(events, 'restarting')).toEqual([]);
    expect(state().map((n) => n.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(lines).toContain('aggregate#1 | restoring 3 partitions');
  });

  it('treats a failed launch as a crash: backoff, then gives up', async () => {
    const launcher = new FakeLauncher({ failLaunch: ['faces'] });
    const { events, done } = supervise(launcher, [spec('faces')], { maxRestarts: 1 });
    expect(await done).toEqual({ failed: ['faces#1'], stoppedBecause: undefined });
    expect(ofType(events, 'launch-failed').map((e) => e.error)).toEqual(['no such image for faces', 'no such image for faces']);
  });

  it('reports pid, http port and restarts per replica', async () => {
    const launcher = new FakeLauncher();
    const { sup, state } = supervise(launcher, [spec('objects', 1), spec('objects', 2)]);
    (await launcher.current('objects#2', 1)).exit(null, 'SIGKILL');
    const again = await launcher.current('objects#2', 2);
    await new Promise((r) => setImmediate(r));
    expect(state().map(({ name, pid, httpPort, restarts, status }) => ({ name, pid, httpPort, restarts, status }))).toEqual([
      { name: 'objects#1', pid: 100, httpPort: 8001, restarts: 0, status: 'running' },
      { name: 'objects#2', pid: again.pid, httpPort: 8002, restarts: 1, status: 'running' },
    ]);
    await sup.stop('test over');
  });
});
