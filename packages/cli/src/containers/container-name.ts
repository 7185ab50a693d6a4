/**
 * The container of one replica of one node: `vf-<topology>-<node>-<replica>`, lowercased, with
 * characters container names do not allow turned into "-". `ps`, `down` and a user's
 * `podman ps` show it.
 */
export function containerName(topology: string, node: string, replica: number): string {
  return `vf-${topology}-${node}-${replica}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
}
