import { extname, resolve } from 'node:path';
import { ConfigError } from '@vision-flow/core';
import { listStateFiles, StateFile, stateDirectory, stateFilePath } from './state-file.js';
import type { UpState } from './up-state.js';

export interface FoundState {
  readonly file: StateFile;
  readonly state: UpState;
}

/**
 * The `up` runs `ps` and `down` act on: the one of `target` (a topology name, or the topology
 * file `up` was given), the one of `--state-file`, or all in `.vision-flow/up/`. Throws a
 * ConfigError saying so when there is none.
 */
export function findUpStates(target: string | undefined, stateFile: string | undefined, command: string): FoundState[] {
  if (stateFile !== undefined) {
    const file = new StateFile(resolve(stateFile));
    const state = file.read();
    if (!state) throw new ConfigError(`${command}: nothing is up with state file ${file.path} (it does not exist); \`vision-flow up <topology> --state-file ${stateFile}\` writes it`, { file: file.path });
    return [{ file, state }];
  }
  const all = listStateFiles().map((path) => ({ file: new StateFile(path), state: undefined as UpState | undefined }));
  for (const f of all) f.state = f.file.read();
  const found = all.filter((f): f is FoundState => f.state !== undefined);
  if (target === undefined) {
    if (found.length === 0) throw new ConfigError(`${command}: nothing is up here (no state file in ${stateDirectory()}); start a topology with \`vision-flow up <topology>\`, or run ${command} in the folder you ran up in`);
    return found;
  }
  const asFile = resolve(target);
  const matches = found.filter((f) => f.state.topology === target || f.state.topologyFile === asFile);
  if (matches.length === 0) {
    const up = found.map((f) => f.state.topology);
    const looksLikeFile = extname(target) !== '' || target.includes('/');
    throw new ConfigError(
      `${command}: ${target} is not up here (no ${looksLikeFile ? `state file for ${asFile}` : stateFilePath(target)})${up.length > 0 ? `; up here: ${up.join(', ')}` : '; start it with `vision-flow up <topology>`'}`,
      { topology: target },
    );
  }
  return matches;
}
