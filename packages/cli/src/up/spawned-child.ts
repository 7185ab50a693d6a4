import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';

/** A started child process as a launcher hands it on: its stdout and stderr as one stream, and its exit. */
export interface SpawnedChild {
  readonly child: ChildProcess;
  /** stdout and stderr merged; ends when both have closed. */
  readonly output: NodeJS.ReadableStream;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

/**
 * Spawns `cmd` in its own process group (so a Ctrl-C reaches only the supervisor, which stops the
 * children in order) and resolves once it has started; rejects if it cannot start at all.
 */
export async function spawnChild(cmd: string, args: readonly string[], opts: Pick<SpawnOptions, 'cwd' | 'env'> = {}): Promise<SpawnedChild> {
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await Promise.race([once(child, 'spawn'), once(child, 'error').then(([e]) => Promise.reject(e as Error))]);
  const output = new PassThrough();
  let open = 2;
  for (const s of [child.stdout!, child.stderr!]) {
    s.pipe(output, { end: false });
    s.once('close', () => --open === 0 && output.end());
  }
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output, exited };
}
