import type { FailOnOptions } from 'sharp';

/**
 * An image as the detectors get it: the size from its header and the encoded bytes, decoded only
 * where pixels are needed (inside the inference worker that runs the model, or by `pixels()`).
 * A node's thread never holds a full frame of pixels per record: those ~1 MB frames churning
 * through the main isolate cost a Mark-Compact every few images.
 */
export interface Frame extends EncodedFrame {
  /** Decodes the pixels on the calling thread (each call decodes again). Fails with PoisonRecordError IMAGE_UNDECODABLE. */
  pixels(): Promise<DecodedPixels>;
}

/** The plain-data part of a Frame: all it takes to decode its pixels on any thread. */
export interface EncodedFrame {
  /** Width of the original image after EXIF orientation; detection boxes use these pixels. */
  readonly width: number;
  /** Height of the original image after EXIF orientation. */
  readonly height: number;
  /** Source format as sharp names it: jpeg, png, webp, gif, tiff, heif... */
  readonly format: string;
  /** EXIF orientation of the stored pixels, 1 (upright) to 8; decoding turns them upright. */
  readonly orientation: number;
  /** The image as submitted. */
  readonly encoded: Uint8Array;
  readonly decoding: PixelDecoding;
}

/** How a frame's pixels are decoded: the decodeImage options that shape pixels. */
export interface PixelDecoding {
  readonly failOn: FailOnOptions;
  readonly ignoreIcc: boolean;
  readonly maxPixels: number;
  /** Decode smaller: to fit inside the box (maxSide), or to exactly this size with JPEG shrink-on-load (forModel). */
  readonly resize?: { readonly width: number; readonly height: number; readonly fit: 'inside' | 'fill' } | undefined;
}

/** Raw 8-bit RGB pixels of a frame (HWC, 3 channels), possibly downscaled from the original. */
export interface FramePixels {
  /** Width of the original image after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** RGB pixels, row-major, `dataWidth × dataHeight × 3` bytes. */
  readonly data: Uint8Array;
  readonly dataWidth: number;
  readonly dataHeight: number;
}

/** Pixels as sharp decoded them on this thread. */
export type DecodedPixels = FramePixels & { readonly data: Buffer };

export const FRAME_CHANNELS = 3;

/** Original pixels per data pixel on each axis (1 unless the frame was decoded smaller). */
export function frameScale(frame: FramePixels): { readonly x: number; readonly y: number } {
  return { x: frame.width / frame.dataWidth, y: frame.height / frame.dataHeight };
}
