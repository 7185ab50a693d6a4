import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '@vision-flow/core';
import { TOPOLOGY_LABEL } from '../build/dockerfile.js';
import { imageRef } from '../build/image-ref.js';
import type { Launched, Launcher, LaunchSpec } from '../up/launcher.js';
import { containerName } from './container-name.js';
import { detectEngine, engineCommand, engineOutput, type ContainerEngine } from './container-engine.js';
import { hostPathMounts } from './host-path-mounts.js';
import { spawnChild } from '../up/spawned-child.js';

export interface ContainerLauncherOptions {
  readonly engine: ContainerEngine;
  readonly topology: string;
  readonly image: string;
  /** The topology module's path inside the image (its io.vision-flow.topology label). */
  readonly topologyInImage: string;
  /** Folder relative paths in a node's arguments are relative to (up's working folder). */
  readonly cwd: string;
}

/**
 * Starts each node as a container of the topology's image, on the host's network (so brokers,
 * registry and the node's HTTP port are where a process would find them):
 * `<engine> run --rm --name vf-[<namespace>-]<topology>-<node>-<replica> --network host -v <models>:/models:ro -e ... <image> run <topology> --node <node> ...`.
 * The output is the container's stdout and stderr; a signal goes through `<engine> kill`, so
 * SIGKILL reaches the node inside, not only the engine's client.
 */
export class ContainerLauncher implements Launcher {
  constructor(private readonly opts: ContainerLauncherOptions) {}

  async launch(spec: LaunchSpec): Promise<Launched> {
    const { engine } = this.opts;
    const name = containerName(this.opts.topology, spec.node, spec.replica, spec.env['VF_NAMESPACE']);
    // A stopped container of that name (left by an engine that could not clean up) would block
    // this one; a running one is never removed: it belongs to another `up`.
    await engineOutput(engine, ['rm', name]).catch(() => undefined);
    const { env, volumes } = containerEnv(spec.env);
    const { args, mounts } = hostPathMounts(spec.args, this.opts.cwd);
    const runArgs = [
      'run', '--rm', '--name', name, '--network', 'host', ...engine.runFlags, ...healthTimer(engine),
      ...[...volumes, ...mounts].flatMap((v) => ['-v', v]),
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      this.opts.image, 'run', this.opts.topologyInImage, '--node', spec.node, ...args,
    ];
    const [cmd, cmdArgs] = engineCommand(engine, runArgs);
    const { child, output, exited } = await spawnChild(cmd, cmdArgs);
    let ended = false;
    void exited.then(() => (ended = true));
    const pid = await containerPid(engine, name, exited);
    return {
      name: `${spec.node}#${spec.replica}`,
      container: name,
      ...(pid !== undefined ? { pid } : {}),
      output,
      exited,
      kill: (sig) => {
        if (ended) return;
        void engineOutput(engine, ['kill', '--signal', sig, name]).catch(() => {
          // Not created yet, or already gone: the engine's client is all there is to stop.
          if (!ended) child.kill(sig);
        });
      },
    };
  }
}

/**
 * The launcher `up --containers` loads (through ../up/load-launcher.ts): finds the engine and the
 * image, and fails with what to do when either is missing.
 */
export async function createContainerLauncher(opts: { topology: string; topologyFile: string; cwd: string; image?: string; engine?: string }): Promise<Launcher> {
  const engine = await detectEngine({ prefer: opts.engine, purpose: 'up --containers' });
  const image = opts.image ?? imageRef(opts.topology);
  let label: string;
  try {
    label = (await engineOutput(engine, ['image', 'inspect', '--format', `{{ index .Config.Labels "${TOPOLOGY_LABEL}" }}`, image])).trim();
  } catch {
    throw new ConfigError(`up --containers: there is no image ${image}; build it with \`vision-flow build ${opts.topologyFile}\`${opts.image ? '' : ' (or pass --image)'}`, { image });
  }
  if (label === '' || label === '<no value>') {
    throw new ConfigError(`up --containers: image ${image} has no ${TOPOLOGY_LABEL} label, so it was not made by \`vision-flow build\`; build it with \`vision-flow build ${opts.topologyFile}\``, { image });
  }
  return new ContainerLauncher({ engine, topology: opts.topology, image, topologyInImage: label, cwd: opts.cwd });
}

/** The node's environment inside the container: the model folder becomes the /models mount. */
function containerEnv(specEnv: { readonly [k: string]: string }): { env: { [k: string]: string }; volumes: string[] } {
  const env = { ...specEnv };
  const volumes: string[] = [];
  const models = env['VF_MODEL_DIR'];
  if (models !== undefined) {
    volumes.push(`${models}:/models:ro`);
    env['VF_MODEL_DIR'] = '/models';
  }
  return { env, volumes };
}

/**
 * Podman runs the image's HEALTHCHECK from systemd timers; without systemd it logs two errors into
 * every node's output instead (`--health-interval disable` does not stop them, `--health-cmd none`
 * does). `up` watches its nodes itself, so there the check is left out.
 */
function healthTimer(engine: ContainerEngine): string[] {
  return engine.kind === 'podman' && !existsSync('/run/systemd/system') ? ['--health-cmd', 'none'] : [];
}

/** The host pid of the container's main process, once it runs (undefined if it ends first). */
async function containerPid(engine: ContainerEngine, name: string, exited: Promise<unknown>): Promise<number | undefined> {
  let ended = false;
  void exited.then(() => (ended = true));
  for (let i = 0; i < 100 && !ended; i++) {
    const pid = Number((await engineOutput(engine, ['inspect', '--format', '{{.State.Pid}}', name]).catch(() => '')).trim());
    if (pid > 0) return pid;
    await delay(100);
  }
  return undefined;
}
