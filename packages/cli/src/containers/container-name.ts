/**
 * The container of one replica of one node: `vf-[<namespace>-]<topology>-<node>-<replica>`,
 * lowercased, with characters container names do not allow turned into "-". The namespace keeps
 * two `up`s of one topology in different namespaces apart. `ps`, `down` and `podman ps` show it.
 */
export function containerName(topology: string, node: string, replica: number, namespace?: string): string {
  return `vf-${namespace ? `${namespace}-` : ''}${topology}-${node}-${replica}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
}
