import { setTimeout as sleep } from 'node:timers/promises';
import { toMillis } from '@vision-flow/core';
import { findUpStates, type FoundState } from '../../up/find-up-states.js';
import { formatDuration } from '../../up/format-duration.js';
import { processAlive, runsNode } from '../../up/process-alive.js';
import type { DownOptions, DownResult } from './types.js';

/**
 * `vision-flow down [<topology>]`: asks each `up` (its supervisor) to stop its nodes, as SIGINT in
 * its terminal would, and waits until it has ended. Nodes a killed supervisor left behind are
 * ended here (SIGTERM, then SIGKILL).
 */
export async function down(target: string | undefined, opts: DownOptions, progress: (line: string) => void): Promise<DownResult> {
  const found = findUpStates(target, opts.stateFile, 'down');
  const graceMs = toMillis((opts.timeout ?? '30s') as never, '--timeout');
  const results = await Promise.all(found.map((f) => stopOne(f, graceMs, progress)));
  return { exitCode: results.every((r) => r.ok) ? 0 : 1, lines: results.map((r) => r.line) };
}

async function stopOne({ file, state }: FoundState, graceMs: number, progress: (line: string) => void): Promise<{ ok: boolean; line: string }> {
  const started = Date.now();
  const pid = state.supervisorPid;
  if (processAlive(pid)) {
    const running = state.nodes.filter((n) => n.status === 'running' || n.status === 'starting' || n.status === 'stopping').length;
    progress(`down: stopping ${state.topology} (supervisor pid ${pid}, ${running} node${running === 1 ? '' : 's'} running), up to ${formatDuration(state.stopTimeoutMs + graceMs)}`);
    process.kill(pid, 'SIGTERM');
    if (!(await until(() => !processAlive(pid), state.stopTimeoutMs + graceMs))) {
      progress(`down: the supervisor of ${state.topology} (pid ${pid}) did not end within ${formatDuration(state.stopTimeoutMs + graceMs)}: SIGKILL`);
      process.kill(pid, 'SIGKILL');
      await until(() => !processAlive(pid), 5_000);
    }
  } else {
    progress(`down: the supervisor of ${state.topology} (pid ${pid}) is gone; ending the nodes it left`);
  }
  // The supervisor removes its state when it ends; what is still listed was left behind.
  const last = file.read() ?? state;
  const left = last.nodes.filter((n) => n.pid !== undefined && runsNode(n.pid, n.node));
  if (left.length > 0) {
    for (const n of left) process.kill(n.pid!, 'SIGTERM');
    await until(() => left.every((n) => !processAlive(n.pid!)), last.stopTimeoutMs);
    for (const n of left) if (processAlive(n.pid!)) process.kill(n.pid!, 'SIGKILL');
    await until(() => left.every((n) => !processAlive(n.pid!)), 5_000);
  }
  file.remove();
  const ended = left.length > 0 ? `; ended ${left.map((n) => `${n.name} (pid ${n.pid})`).join(', ')} left behind` : '';
  const ok = !processAlive(pid) && left.every((n) => !processAlive(n.pid!));
  return { ok, line: `down: ${state.topology} ${ok ? 'is down' : 'could not be fully stopped'} (${formatDuration(Date.now() - started)})${ended}` };
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

export type { DownOptions, DownResult } from './types.js';
