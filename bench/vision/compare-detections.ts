// Compares vision-flow's detections per image (the CLI's JSON lines) with the Python peer's
// (scripts/python-peer.sh detections): labels (class ids as a multiset) and face counts must be
// identical; boxes are matched greedily by IoU within the same class, and their IoU summarised.
import { readFile } from 'node:fs/promises';

type Xywh = readonly [number, number, number, number];

export interface PeerImage {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly objects: ReadonlyArray<{ classId: number; score: number; box: Xywh }>;
  readonly faces: ReadonlyArray<{ score: number; box: Xywh }>;
}

interface OurBox { x: number; y: number; width: number; height: number }
interface OurImage {
  readonly id: string;
  readonly complete: boolean;
  readonly missing: readonly string[];
  readonly objects: ReadonlyArray<{ classId: number; score: number; box: OurBox }>;
  readonly faces: ReadonlyArray<{ score: number; box: OurBox }>;
}

export interface DetectionComparison {
  readonly images: number;
  /** Images whose sorted class ids differ from the peer's, with both lists. */
  readonly labelMismatches: ReadonlyArray<{ id: string; ours: number[]; peer: number[] }>;
  readonly faceCountMismatches: ReadonlyArray<{ id: string; ours: number; peer: number }>;
  /** IoU of each matched box pair (objects and faces). */
  readonly iou: { readonly pairs: number; readonly mean: number; readonly min: number; readonly p5: number; readonly below09: number };
  /** Largest score difference of a matched pair. */
  readonly maxScoreDiff: number;
}

/** Our image ids are the file name without extension (the folder is flat): `r3-coco-000000000139`. */
export async function compareDetections(oursFile: string, peerFile: string): Promise<DetectionComparison> {
  const peer = new Map<string, PeerImage>();
  for (const line of lines(await readFile(peerFile, 'utf8'))) {
    const p = JSON.parse(line) as PeerImage;
    peer.set(stripRound(p.file.replace(/\.[^.]+$/, '')), p);
  }
  const labelMismatches: Array<{ id: string; ours: number[]; peer: number[] }> = [];
  const faceCountMismatches: Array<{ id: string; ours: number; peer: number }> = [];
  const ious: number[] = [];
  let maxScoreDiff = 0;
  let images = 0;
  // A slow detector gives a partial result first and the complete one later: the latest is the best.
  const latest = new Map<string, OurImage>();
  for (const line of lines(await readFile(oursFile, 'utf8'))) {
    const o = JSON.parse(line) as OurImage;
    latest.set(o.id, o);
  }
  for (const o of latest.values()) {
    if (!o.complete) throw new Error(`image ${o.id} has no complete result in ${oursFile} (missing ${o.missing.join(', ')})`);
    const p = peer.get(stripRound(o.id));
    if (!p) throw new Error(`image ${o.id}: the peer has no detections for it (${peerFile})`);
    images++;
    const ours = o.objects.map((d) => d.classId).sort((a, b) => a - b);
    const theirs = p.objects.map((d) => d.classId).sort((a, b) => a - b);
    if (ours.join() !== theirs.join()) labelMismatches.push({ id: o.id, ours, peer: theirs });
    if (o.faces.length !== p.faces.length) faceCountMismatches.push({ id: o.id, ours: o.faces.length, peer: p.faces.length });
    const pairs = [
      ...match(o.objects.map((d) => ({ key: d.classId, score: d.score, box: xywh(d.box) })), p.objects.map((d) => ({ key: d.classId, score: d.score, box: clip(d.box, p) }))),
      ...match(o.faces.map((d) => ({ key: -1, score: d.score, box: xywh(d.box) })), p.faces.map((d) => ({ key: -1, score: d.score, box: clip(d.box, p) }))),
    ];
    for (const m of pairs) {
      ious.push(m.iou);
      maxScoreDiff = Math.max(maxScoreDiff, m.scoreDiff);
    }
  }
  ious.sort((a, b) => a - b);
  const mean = ious.reduce((s, v) => s + v, 0) / Math.max(1, ious.length);
  return {
    images,
    labelMismatches,
    faceCountMismatches,
    iou: { pairs: ious.length, mean, min: ious[0] ?? NaN, p5: ious[Math.floor(ious.length * 0.05)] ?? NaN, below09: ious.filter((v) => v < 0.9).length },
    maxScoreDiff,
  };
}

interface Det { key: number; score: number; box: Xywh }

/** Greedy pairing, best IoU first, within the same key (class id; -1 for faces). */
function match(ours: Det[], peer: Det[]): Array<{ iou: number; scoreDiff: number }> {
  const cand: Array<{ i: number; j: number; iou: number }> = [];
  ours.forEach((a, i) => peer.forEach((b, j) => a.key === b.key && cand.push({ i, j, iou: iou(a.box, b.box) })));
  cand.sort((a, b) => b.iou - a.iou);
  const usedI = new Set<number>();
  const usedJ = new Set<number>();
  const out: Array<{ iou: number; scoreDiff: number }> = [];
  for (const c of cand) {
    if (usedI.has(c.i) || usedJ.has(c.j)) continue;
    usedI.add(c.i);
    usedJ.add(c.j);
    out.push({ iou: c.iou, scoreDiff: Math.abs(ours[c.i]!.score - peer[c.j]!.score) });
  }
  return out;
}

/** The peer's boxes are not clipped to the image; ours are (by contract): compare the parts inside it. */
function clip(b: Xywh, image: { width: number; height: number }): Xywh {
  const x1 = Math.max(0, b[0]);
  const y1 = Math.max(0, b[1]);
  return [x1, y1, Math.min(image.width, b[0] + b[2]) - x1, Math.min(image.height, b[1] + b[3]) - y1];
}

function iou(a: Xywh, b: Xywh): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  const inter = Math.max(0, w) * Math.max(0, h);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

const xywh = (b: OurBox): Xywh => [b.x, b.y, b.width, b.height];
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
/** `r3-coco-000000000139` and `r0-coco-000000000139` are copies of one file. */
const stripRound = (id: string): string => id.replace(/^r\d+-/, '');
