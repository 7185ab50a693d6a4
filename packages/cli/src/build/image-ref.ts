/**
 * The image `vision-flow build` makes for a topology, and that `up --containers`, compose and
 * Kubernetes run: `localhost/vision-flow-<name>:latest`. Image names are lowercase and may not end
 * in a separator, while topology names may hold capitals, "_" and a trailing "-"; those are mapped
 * (lowercased, "_" to "-", trailing "-" dropped) so every legal topology name gives a legal image.
 */
export function imageRef(topologyName: string, tag = 'latest'): string {
  const repo = topologyName.toLowerCase().replace(/_/g, '-').replace(/-+$/, '');
  return `localhost/vision-flow-${repo}:${tag}`;
}
