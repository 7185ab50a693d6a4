import { join, resolve } from 'node:path';

/** Where persistent stores live when the run names no state directory. */
export const DEFAULT_STATE_DIR = '.vision-flow/state';

/** The folder of one store instance: `<stateDir>/<topology>/<node>/<store>/<partition>`. */
export function storeDirectory(stateDir: string | undefined, topology: string, node: string, store: string, partition: number): string {
  return join(resolve(stateDir ?? DEFAULT_STATE_DIR), topology, node, store, String(partition));
}
