import { findUpStates } from '../../up/find-up-states.js';
import { formatDuration } from '../../up/format-duration.js';
import { processAlive } from '../../up/process-alive.js';
import type { UpState } from '../../up/up-state.js';
import type { PsOptions, PsResult } from './types.js';

/** `vision-flow ps [<topology>]`: the nodes `up` runs, one row per replica, from its state file. */
export function ps(target: string | undefined, opts: PsOptions): PsResult {
  const found = findUpStates(target, opts.stateFile, 'ps');
  if (opts.json) return { exitCode: 0, lines: [JSON.stringify(found.length === 1 ? found[0]!.state : found.map((f) => f.state), null, 2)] };
  const now = Date.now();
  return { exitCode: 0, lines: found.flatMap(({ state }, i) => [...(i > 0 ? [''] : []), ...describe(state, now)]) };
}

function describe(state: UpState, now: number): string[] {
  const alive = processAlive(state.supervisorPid);
  const head = [
    state.topology,
    `supervisor pid ${state.supervisorPid}${alive ? '' : ' (gone)'}`,
    `up ${formatDuration(now - Date.parse(state.startedAt))}`,
    state.launcher,
    ...(state.namespace ? [`namespace ${state.namespace}`] : []),
  ].join(' · ');
  const rows = state.nodes.map((n) => [
    n.node,
    String(n.replica),
    n.container ?? (n.pid !== undefined ? String(n.pid) : '-'),
    n.status,
    String(n.restarts),
    n.status === 'running' && n.startedAt ? formatDuration(now - Date.parse(n.startedAt)) : '-',
    n.httpPort !== undefined ? String(n.httpPort) : '-',
  ]);
  const table = [['NODE', 'REPLICA', state.launcher === 'containers' ? 'CONTAINER' : 'PID', 'STATUS', 'RESTARTS', 'UPTIME', 'HTTP PORT'], ...rows];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = table.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
  const note = alive ? [] : [`the supervisor is gone (killed?): this is its last state; \`vision-flow down ${state.topology}\` ends what is left and removes it`];
  return [head, ...lines, ...note];
}

export type { PsOptions, PsResult } from './types.js';
