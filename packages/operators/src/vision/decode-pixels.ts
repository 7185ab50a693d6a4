// Imports nothing from @vision-flow/core: inference workers decode with it (see inference-worker.ts).
import type { OutputInfo } from 'sharp';
import { FRAME_CHANNELS, type DecodedPixels, type EncodedFrame } from './frame.js';

/** The image's bytes cannot be decoded (truncated or corrupt after a good header). */
export class UndecodableImageError extends Error {}

/** Decodes a frame's pixels on the calling thread with sharp: EXIF orientation applied, RGB, 8 bits. */
export async function decodePixels(frame: EncodedFrame): Promise<DecodedPixels> {
  const { failOn, ignoreIcc, maxPixels, resize } = frame.decoding;
  // Loaded on first use (Node caches it): a process whose frames are decoded by inference workers never needs it.
  const { default: sharp } = await import('sharp');
  let pipeline = sharp(frame.encoded, { autoOrient: true, failOn, ignoreIcc, limitInputPixels: maxPixels });
  // With 'fill' sharp shrinks a JPEG on load by the largest libjpeg scale the size allows, then
  // resamples what is left: at most one pixel when the size is not a multiple of the scale.
  if (resize) pipeline = pipeline.resize({ width: resize.width, height: resize.height, fit: resize.fit, fastShrinkOnLoad: true });
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new UndecodableImageError(message(e), { cause: e });
  }
  const { info } = decoded;
  if (info.channels !== FRAME_CHANNELS) throw new Error(`decodePixels: expected ${FRAME_CHANNELS} channels from sharp, got ${info.channels}`);
  return { width: frame.width, height: frame.height, data: decoded.data, dataWidth: info.width, dataHeight: info.height };
}

/** libvips may report one problem on several lines, often twice: one line, each problem once. */
export const message = (e: unknown): string => [...new Set((e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).filter(Boolean))].join('; ');
