import type { ImageAnalysis } from './image-analysis.js';

/**
 * One line per analysed image: id, complete or partial, face count and object labels with counts
 * (most frequent first), e.g.
 *
 *   000000001584  complete  faces: 0  objects: person ×4, bus ×3
 *   5  partial (missing faces)  faces: 0  objects: person ×1
 */
export function formatAnalysis(a: ImageAnalysis): string {
  const counts = new Map<string, number>();
  for (const o of a.objects) counts.set(o.label, (counts.get(o.label) ?? 0) + 1);
  const objects = [...counts].sort(([la, na], [lb, nb]) => nb - na || la.localeCompare(lb)).map(([label, n]) => `${label} ×${n}`);
  const state = a.complete ? 'complete' : `partial (missing ${a.missing.join(', ')})`;
  return `${a.id}  ${state}  faces: ${a.faces.length}  objects: ${objects.length > 0 ? objects.join(', ') : 'none'}`;
}
