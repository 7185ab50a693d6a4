import { expect } from 'vitest';
import type { CliProcess } from './cli.js';

/** How one process ended after its SIGTERM. */
export interface Stopped {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From the SIGTERM to the exit. */
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StopOptions {
  /** Also expect each to have exited within this many ms of its SIGTERM. */
  readonly withinMs?: number;
  /** SIGKILL a process still running after this long, so a hung stop fails the check instead of the test's timeout (default 60 s). */
  readonly killAfterMs?: number;
}

/**
 * Stops the processes gracefully, all at once (SIGTERM: drain, commit, leave the group), and
 * expects each to exit with code 0 by itself. Returns how each stopped, for checks on its output.
 */
export async function stopAndCheckExit(procs: Iterable<readonly [string, CliProcess]>, opts: StopOptions = {}): Promise<Stopped[]> {
  const stopped = await Promise.all(
    [...procs].map(async ([name, p]) => {
      const started = Date.now();
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), opts.killAfterMs ?? 60_000);
      const r = await p.exited.finally(() => clearTimeout(timer));
      return { name, code: r.code, signal: r.signal, ms: Date.now() - started, stdout: r.stdout, stderr: r.stderr };
    }),
  );
  for (const s of stopped) {
    expect({ node: s.name, code: s.code, signal: s.signal }, s.stderr.slice(-3000)).toEqual({ node: s.name, code: 0, signal: null });
    if (opts.withinMs !== undefined) expect(s.ms, `${s.name} took ${s.ms} ms to stop`).toBeLessThan(opts.withinMs);
  }
  return stopped;
}
