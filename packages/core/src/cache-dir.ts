import { rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder where vision-flow keeps what it derives from a user's files (edited models, bundled
 * topologies), one sub-folder per kind: `$VF_CACHE_DIR/<kind>`, else
 * `$XDG_CACHE_HOME/vision-flow/<kind>`, else `~/.cache/vision-flow/<kind>`; undefined with
 * `VF_CACHE_DIR=off`. Imports only Node's own modules: inference workers load it
 * (`@vision-flow/core/cache-dir`) without the rest of core.
 */
export function cacheDir(kind: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['VF_CACHE_DIR'] === 'off') return undefined;
  const base = env['VF_CACHE_DIR'] || (env['XDG_CACHE_HOME'] ? join(env['XDG_CACHE_HOME'], 'vision-flow') : join(homedir(), '.cache', 'vision-flow'));
  return join(base, kind);
}

/** Writes `file` under a unique name beside it, then renames it: a reader never sees half a file. */
export async function writeWhole(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
