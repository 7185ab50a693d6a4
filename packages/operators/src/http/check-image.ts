import { HttpProblem } from './http-problem.js';
import { quickHeader } from '../vision/image-header.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** The content types the endpoint takes as a raw body, by format. */
export const IMAGE_CONTENT_TYPES: { readonly [type: string]: ImageFormat } = { 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

export interface CheckedImage {
  readonly format: ImageFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from('IEND');

/**
 * Checks an upload is an image worth a record, cheaply and without decoding pixels: its magic bytes
 * (JPEG, PNG or WebP, and the one its content type says), that it is whole (JPEG end marker, PNG IEND
 * chunk, WebP RIFF length), and its width × height from the header against `maxPixels` (read in
 * JavaScript; libvips, reading only the header, for one that reader does not find). Throws an
 * HttpProblem (400, 413 or 415) naming what is wrong.
 */
export async function checkImage(bytes: Buffer, declaredType: string | undefined, maxPixels: number): Promise<CheckedImage> {
  if (bytes.length === 0) throw new HttpProblem(400, 'EMPTY_BODY', 'Empty body', 'the request has no image; send the image bytes as the body (or a multipart "image" file)');
  const format = sniff(bytes);
  if (!format) {
    throw new HttpProblem(415, 'NOT_AN_IMAGE', 'Unsupported image format', `the bytes are not a JPEG, PNG or WebP image (they start ${bytes.subarray(0, 8).toString('hex')}); send one of those formats`);
  }
  const declared = declaredType ? IMAGE_CONTENT_TYPES[declaredType] : undefined;
  if (declaredType && declared !== format && declaredType !== 'application/octet-stream') {
    throw new HttpProblem(415, 'CONTENT_TYPE_MISMATCH', 'Content type does not match', `the Content-Type says ${declaredType} but the bytes are a ${format.toUpperCase()} image; send Content-Type image/${format}`);
  }
  if (!whole(bytes, format)) throw new HttpProblem(400, 'IMAGE_TRUNCATED', 'Image truncated', `the ${format.toUpperCase()} image ends before its end marker (${bytes.length} bytes); send the whole file`);
  // The header read here in JavaScript; libvips (through libuv's thread pool) only for a header
  // this reader does not find, so an odd but valid file still passes.
  let { width, height } = quickHeader(bytes) ?? {};
  if (!width || !height) {
    const { default: sharp } = await import('sharp'); // loaded on first use: most processes never need it
    try {
      ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
    } catch (e) {
      throw new HttpProblem(400, 'IMAGE_HEADER_UNREADABLE', 'Image header unreadable', `the ${format.toUpperCase()} header cannot be decoded (${(e as Error).message}); send a valid image`);
    }
  }
  if (!width || !height) throw new HttpProblem(400, 'IMAGE_HEADER_UNREADABLE', 'Image header unreadable', `the ${format.toUpperCase()} header has no size; send a valid image`);
  tooManyPixels(width, height, maxPixels);
  return { format, contentType: `image/${format}`, width, height };
}

function tooManyPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new HttpProblem(413, 'IMAGE_TOO_MANY_PIXELS', 'Image too large', `the image is ${width}×${height} = ${width * height} pixels, over this endpoint's ${maxPixels}; downscale it`, {}, { width, height, maxPixels });
  }
}

function sniff(b: Buffer): ImageFormat | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_MAGIC)) return 'png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** Whether the file reaches its format's end: a cut-off upload is refused before it costs a decode downstream. */
function whole(b: Buffer, format: ImageFormat): boolean {
  if (format === 'png') return b.lastIndexOf(PNG_IEND) >= b.length - 12 && b.length > 20;
  if (format === 'webp') return b.readUInt32LE(4) + 8 <= b.length;
  // Some encoders pad after the end marker: look for FF D9 near the end.
  const tail = b.subarray(Math.max(0, b.length - 1024));
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}
