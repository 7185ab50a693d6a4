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
  // Loaded only when asked for, so plain `up` never loads a container engine's code.
  const { createContainerLauncher } = await import('../containers/container-launcher.js');
  const { containers: _, ...opts } = choice;
  return createContainerLauncher(opts);
}
