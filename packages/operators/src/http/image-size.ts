import type { ImageFormat } from './check-image.js';

/** Width and height read from an image's header. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames. */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * The size an image's header states, read in JavaScript from the bytes (JPEG: the frame header
 * after the segments before it; PNG: IHDR; WebP: the VP8, VP8L or VP8X header); undefined when the
 * header is not where the format puts it. No pixels are decoded, nothing leaves the calling thread:
 * the front door checks every upload this way without a hop through libuv's thread pool.
 */
export function imageSize(b: Buffer, format: ImageFormat): ImageSize | undefined {
  if (format === 'png') return b.length >= 24 && b.toString('latin1', 12, 16) === 'IHDR' ? sized(b.readUInt32BE(16), b.readUInt32BE(20)) : undefined;
  if (format === 'webp') return webpSize(b);
  return jpegSize(b);
}

function jpegSize(b: Buffer): ImageSize | undefined {
  let i = 2; // after SOI
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // no length
      continue;
    }
    if (marker === 0x00 || marker === 0xd8 || marker === 0xd9 || marker === 0xda) return undefined; // no frame header before the data
    const length = b.readUInt16BE(i + 2);
    if (length < 2) return undefined;
    if (JPEG_SOF.has(marker)) return i + 9 <= b.length ? sized(b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)) : undefined;
    i += 2 + length;
  }
  return undefined;
}

function webpSize(b: Buffer): ImageSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return sized(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return sized(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
  return undefined;
}

const sized = (width: number, height: number): ImageSize | undefined => (width > 0 && height > 0 ? { width, height } : undefined);
