import { readFileSync } from 'node:fs';

/** Whether a process with this id exists and has not ended (a zombie waiting for its parent to reap it counts as ended). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (macOS): signal 0 is all there is
  }
}

/**
 * Whether `pid` still runs `vision-flow run ... --node <node>` (checked in /proc/<pid>/cmdline), so
 * that `down` never signals a process that merely reuses the id of a node that ended. Without
 * /proc it cannot tell and answers false.
 */
export function runsNode(pid: number, node: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = args.indexOf('--node');
    return processAlive(pid) && args.includes('run') && i >= 0 && args[i + 1] === node;
  } catch {
    return false;
  }
}
