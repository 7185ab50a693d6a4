import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@vision-flow/core';

const exec = promisify(execFile);

export type EngineKind = 'podman' | 'docker';

/**
 * A container engine's command line: podman or docker, with the flags this kind of machine needs.
 * Podman's defaults suit a root podman on a host without systemd and with tight rlimits (the
 * cgroupfs cgroup manager, runc, explicit ulimits); VF_CONTAINER_FLAGS (before the subcommand) and
 * VF_CONTAINER_RUN_FLAGS (for run and build) replace them, split at spaces.
 */
export interface ContainerEngine {
  readonly kind: EngineKind;
  /** Flags before every subcommand, e.g. `--cgroup-manager cgroupfs`. */
  readonly globalFlags: readonly string[];
  /** Flags for `run` and `build`, e.g. `--runtime runc --ulimit nofile=1024:4096`. */
  readonly runFlags: readonly string[];
}

/** The command line of `sub` on `engine`: [command, args]. */
export function engineCommand(engine: ContainerEngine, sub: readonly string[]): [string, string[]] {
  return [engine.kind, [...engine.globalFlags, ...sub]];
}

/** Runs a short engine command and returns its stdout; errors carry the engine's stderr. */
export async function engineOutput(engine: ContainerEngine, sub: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const [cmd, args] = engineCommand(engine, sub);
  const { stdout } = await exec(cmd, args, { maxBuffer: 16 << 20, env });
  return stdout;
}

export interface DetectOptions {
  /** `--engine`, or VF_CONTAINER_ENGINE; otherwise podman, then docker. */
  readonly prefer?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What needs the engine, for the error message, e.g. 'vision-flow build'. */
  readonly purpose: string;
}

/**
 * The engine to use: the one asked for, else podman when installed, else docker when its daemon
 * answers. An installed docker client without a daemon does not count (`docker build` would fail).
 */
export async function detectEngine(opts: DetectOptions): Promise<ContainerEngine> {
  const env = opts.env ?? process.env;
  const prefer = opts.prefer ?? env['VF_CONTAINER_ENGINE'];
  if (prefer !== undefined && prefer !== 'podman' && prefer !== 'docker') {
    throw new ConfigError(`${opts.purpose}: container engine "${prefer}" is not supported; use --engine podman or --engine docker`, { option: 'engine', value: prefer });
  }
  const kinds: EngineKind[] = prefer ? [prefer] : ['podman', 'docker'];
  const problems: string[] = [];
  for (const kind of kinds) {
    const engine = await engineFor(kind, env);
    try {
      // `version` of the server: podman needs no daemon; docker's fails when its daemon is down.
      await engineOutput(engine, ['version', '--format', kind === 'podman' ? '{{.Client.Version}}' : '{{.Server.Version}}'], env);
      return engine;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      problems.push(err.code === 'ENOENT' ? `${kind} is not installed` : `${kind} does not answer (${firstLine(err.stderr) ?? err.message})`);
    }
  }
  throw new ConfigError(
    `${opts.purpose} needs a container engine, and ${problems.join('; ')}. Install podman (Debian: apt-get install podman runc) or start the Docker daemon${prefer ? `, or leave out --engine ${prefer}` : ''}`,
    { engine: prefer ?? 'podman|docker' },
  );
}

async function engineFor(kind: EngineKind, env: NodeJS.ProcessEnv): Promise<ContainerEngine> {
  const split = (text: string | undefined) => (text === undefined ? undefined : text.split(/\s+/).filter((s) => s !== ''));
  const globalFlags = split(env['VF_CONTAINER_FLAGS']) ?? (kind === 'podman' ? ['--cgroup-manager', 'cgroupfs'] : []);
  const defaultRun = kind === 'podman' ? [...((await onPath('runc', env)) ? ['--runtime', 'runc'] : []), '--ulimit', 'nofile=1024:4096', '--ulimit', 'nproc=1024:4096'] : [];
  return { kind, globalFlags, runFlags: split(env['VF_CONTAINER_RUN_FLAGS']) ?? defaultRun };
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  // runc lives in /usr/sbin on Debian, which a non-root PATH may lack.
  const dirs = [...(env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    if (await access(join(dir, name)).then(() => true, () => false)) return true;
  }
  return false;
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n').find((l) => l.trim() !== '')?.trim();
}
