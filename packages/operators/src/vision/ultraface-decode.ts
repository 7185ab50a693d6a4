import type { Candidate } from './nms.js';

/**
 * Decodes UltraFace outputs into face candidates in normalised 0–1 corners: `scores` is
 * [anchors, 2] (background, face), `boxes` is [anchors, 4] (x1, y1, x2, y2 already decoded).
 */
export function ultrafaceDecode(scores: Float32Array, boxes: Float32Array, scoreThreshold: number): Candidate[] {
  const anchors = scores.length / 2;
  if (!Number.isInteger(anchors) || boxes.length !== anchors * 4) {
    throw new Error(`UltraFace outputs do not match: ${scores.length} score values and ${boxes.length} box values, expected 2 and 4 per anchor`);
  }
  const out: Candidate[] = [];
  for (let i = 0; i < anchors; i++) {
    const score = scores[i * 2 + 1]!;
    if (score < scoreThreshold) continue;
    out.push({ x1: boxes[i * 4]!, y1: boxes[i * 4 + 1]!, x2: boxes[i * 4 + 2]!, y2: boxes[i * 4 + 3]!, score, classId: 0 });
  }
  return out;
}
