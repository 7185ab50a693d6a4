import { ConfigError } from '@vision-flow/core';
import type { Launcher } from './launcher.js';
import { ProcessLauncher } from './process-launcher.js';

export interface LauncherChoice {
  readonly containers: boolean;
  readonly topology: string;
  readonly topologyFile: string;
  readonly cwd: string;
  readonly image?: string;
}

/** The launcher for `up`: plain processes, or containers through ../containers/container-launcher.ts. */
export async function loadLauncher(choice: LauncherChoice): Promise<Launcher> {
  if (!choice.containers) return new ProcessLauncher({ cwd: choice.cwd });
  // Loaded only when asked for, so plain `up` never needs a container engine's code.
  const path = '../containers/container-launcher.js';
  let mod: { createContainerLauncher?: (opts: Omit<LauncherChoice, 'containers'>) => Promise<Launcher> };
  try {
    mod = (await import(path)) as typeof mod;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((e as Error).message).includes('container-launcher')) throw e;
    mod = {};
  }
  if (typeof mod.createContainerLauncher !== 'function') {
    throw new ConfigError('up --containers: this build of vision-flow has no container launcher yet; run the nodes as processes (leave out --containers)', { option: 'containers' });
  }
  const { containers: _, ...opts } = choice;
  return mod.createContainerLauncher(opts);
}
