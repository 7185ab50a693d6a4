import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root and the built CLI (`bash scripts/setup.sh` builds it). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
export const IMAGE_PIPELINE = fileURLToPath(new URL('../../topologies/image-pipeline.ts', import.meta.url));
export const SHARED_MODELS = fileURLToPath(new URL('../../../shared/models/', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kills the process (SIGKILL) and fails after this long; default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * A `vision-flow` process started as a user would: its own OS process, a clean environment with
 * only the variables given (plus PATH/HOME and VF_MODEL_DIR), output collected.
 */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(args: readonly string[], opts: CliOptions = {}) {
    this.child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], VF_MODEL_DIR: SHARED_MODELS, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    this.exited = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stderr += `\n[test] killed after ${timeoutMs} ms\n`;
        this.child.kill('SIGKILL');
      }, timeoutMs);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves once `predicate(stdout, stderr)` holds; rejects if the process exits first or after timeoutMs. */
  async waitFor(what: string, predicate: (stdout: string, stderr: string) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!predicate(this.stdout, this.stderr)) {
      if (exited) throw new Error(`process exited before ${what}; stderr:\n${this.stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Runs `vision-flow <args>` to completion. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return new CliProcess(args, opts).exited;
}

/** Parses JSON lines, failing with the offending line. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`not a JSON line: ${l.slice(0, 200)}`);
      }
    });
}
