import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@vision-flow/core';
import type { UpState } from './up-state.js';

/** `.vision-flow/up`, relative to the working folder: where `up` keeps one state file per topology. */
export const stateDirectory = (cwd = process.cwd()): string => resolve(cwd, '.vision-flow', 'up');

/** The state file of a topology: `.vision-flow/up/<topology-name>.json`, or `override` (`--state-file`). */
export function stateFilePath(topologyName: string, override?: string, cwd = process.cwd()): string {
  return override !== undefined ? resolve(cwd, override) : join(stateDirectory(cwd), `${topologyName}.json`);
}

/** Every state file in `.vision-flow/up/`, sorted. */
export function listStateFiles(cwd = process.cwd()): string[] {
  try {
    return readdirSync(stateDirectory(cwd))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(stateDirectory(cwd), f));
  } catch {
    return [];
  }
}

/** One `up`'s state file. Writes replace the file whole (write then rename), so a reader never sees half of one. */
export class StateFile {
  constructor(readonly path: string) {}

  write(state: UpState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, this.path);
  }

  /** The state, or undefined when there is no file. */
  read(): UpState | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const state = JSON.parse(text) as UpState;
      if (typeof state.supervisorPid !== 'number' || !Array.isArray(state.nodes)) throw new Error('supervisorPid or nodes missing');
      return state;
    } catch (e) {
      throw new ConfigError(`state file ${this.path} is not one vision-flow up wrote (${(e as Error).message}); delete it if no up is running`, { file: this.path }, e);
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
