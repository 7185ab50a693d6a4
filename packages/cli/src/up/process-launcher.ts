import { fileURLToPath } from 'node:url';
import type { Launched, Launcher, LaunchSpec } from './launcher.js';
import { spawnChild } from './spawned-child.js';
import { NODE_RUNTIME_FLAGS } from '../node-runtime-flags.js';

/** The installed `vision-flow` entry (bin/vision-flow.cjs), the same from src/up and dist/up. */
const CLI_ENTRY = fileURLToPath(new URL('../../bin/vision-flow.cjs', import.meta.url));

export interface ProcessLauncherOptions {
  /** Working folder of the nodes; default this process's. */
  readonly cwd?: string;
  /** Environment the nodes start from before the spec's; default this process's without its VF_ settings. */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/**
 * Starts each node as `vision-flow run <topology> --node <node> <args>`, a plain OS process of
 * this machine's Node, with the environment a container of the node would get. Each gets its own
 * process group, so a Ctrl-C in the terminal reaches only `up`, which then stops the nodes in
 * order (a node that saw SIGINT and then `up`'s SIGTERM would take the second as "exit now").
 */
export class ProcessLauncher implements Launcher {
  private readonly cwd: string;
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(opts: ProcessLauncherOptions = {}) {
    this.cwd = opts.cwd ?? process.cwd();
    this.baseEnv = opts.baseEnv ?? Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VF_')));
  }

  async launch(spec: LaunchSpec): Promise<Launched> {
    const { child, output, exited } = await spawnChild(process.execPath, [...NODE_RUNTIME_FLAGS, CLI_ENTRY, 'run', spec.topologyFile, '--node', spec.node, ...spec.args], {
      cwd: this.cwd,
      env: { ...this.baseEnv, ...spec.env },
    });
    return {
      name: `${spec.node}#${spec.replica}`,
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
      output,
      exited,
      kill: (sig) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      },
    };
  }
}
