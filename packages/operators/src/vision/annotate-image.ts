import type { Box } from './box.js';
import type { FaceDetection } from './detect-faces.js';
import type { ObjectDetection } from './detect-objects.js';

export interface Annotations {
  readonly objects?: readonly ObjectDetection[] | undefined;
  readonly faces?: readonly FaceDetection[] | undefined;
}

export interface AnnotateOptions {
  readonly format: 'png' | 'jpeg';
  /** JPEG quality (default 85). */
  readonly quality?: number;
}

// Distinct colours that stay readable under white text.
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#9a6324', '#800000', '#808000', '#000075'];
const FACE_COLOUR = '#00a0ff';

/**
 * Draws detection boxes with labels such as "person 0.91" on an image (bytes or a file path) and
 * encodes it as PNG or JPEG. Boxes are in original pixels after EXIF orientation, as the detectors
 * report them. Text is drawn by librsvg with the system's fonts (DejaVu Sans on Debian:
 * package fonts-dejavu-core).
 *
 * When to use: to look at what a detector found, in tools, tests and debugging sinks.
 *
 * @example
 * await writeFile('out.png', await annotateImage(bytes, { objects: result.objects }, { format: 'png' }));
 */
export async function annotateImage(image: Buffer | string, annotations: Annotations, opts: AnnotateOptions): Promise<Buffer> {
  // Orient first, so the overlay and the boxes share the oriented coordinate space.
  const { default: sharp } = await import('sharp'); // loaded on first use: most processes never need it
  const { data, info } = await sharp(image, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
  const overlay = overlaySvg(info.width, info.height, annotations);
  const out = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).composite([{ input: Buffer.from(overlay), top: 0, left: 0 }]);
  return opts.format === 'png' ? out.png().toBuffer() : out.flatten({ background: '#ffffff' }).jpeg({ quality: opts.quality ?? 85 }).toBuffer();
}

/** The SVG overlay: one rectangle and one label per detection, faces after objects. */
export function overlaySvg(width: number, height: number, annotations: Annotations): string {
  const short = Math.min(width, height);
  const font = Math.max(11, Math.round(short / 40));
  const stroke = Math.max(2, Math.round(short / 250));
  const parts: string[] = [];
  for (const o of annotations.objects ?? []) parts.push(mark(o.box, `${o.label} ${o.score.toFixed(2)}`, PALETTE[o.classId % PALETTE.length]!, font, stroke, width));
  for (const f of annotations.faces ?? []) parts.push(mark(f.box, `face ${f.score.toFixed(2)}`, FACE_COLOUR, font, stroke, width));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${font}">${parts.join('')}</svg>`;
}

function mark(b: Box, label: string, colour: string, font: number, stroke: number, imageWidth: number): string {
  const pad = Math.round(font * 0.25);
  const labelWidth = Math.round(label.length * font * 0.62) + 2 * pad; // DejaVu Sans averages ~0.6 em per character
  const labelHeight = font + 2 * pad;
  const lx = Math.max(0, Math.min(b.x, imageWidth - labelWidth));
  const ly = b.y >= labelHeight ? b.y - labelHeight : b.y; // above the box, or inside it at the top edge
  return (
    `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
    `<rect x="${lx}" y="${ly}" width="${labelWidth}" height="${labelHeight}" fill="${colour}"/>` +
    `<text x="${lx + pad}" y="${ly + pad + font * 0.85}" fill="#ffffff">${escapeXml(label)}</text>`
  );
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
