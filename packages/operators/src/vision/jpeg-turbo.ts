// Imports nothing from @vision-flow/core: inference workers use it (see inference-worker.ts).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DecodedPixels, EncodedFrame } from './frame.js';
import { FRAME_CHANNELS } from './frame.js';

/** Built from native/jpeg_decode.c by the package's build; src/vision and dist/vision are both two levels down. */
const ADDON = fileURLToPath(new URL('../../native/build/Release/jpeg_decode.node', import.meta.url));

interface JpegDecodeAddon {
  /** null when `out` holds the RGB pixels; otherwise why not. */
  decodeRgb(jpeg: Uint8Array, out: Uint8Array, width: number, height: number): string | null;
}

/**
 * libjpeg-turbo's decoder called directly (native/jpeg_decode.c), for the frames it decodes exactly
 * as sharp would: JPEGs stored upright (EXIF orientation 1), decoded at full size, ICC profile
 * ignored. Same pixels, bit for bit (the accurate DCT libvips and OpenCV use), in ~1.8 ms of CPU per
 * COCO photo against sharp's ~4: libvips' pipeline (a job on libuv's pool, its own worker threads,
 * regions, a copy out) costs more than libjpeg's decode itself. Every other frame, and any JPEG
 * libjpeg-turbo warns about, stays sharp's: `failOn` and the error messages are sharp's to give.
 */
export class JpegTurbo {
  private constructor(private readonly addon: JpegDecodeAddon) {}

  /** The decoder, or undefined where the addon was not built (no libturbojpeg when the package was built). */
  static load(): JpegTurbo | undefined {
    try {
      return new JpegTurbo(createRequire(import.meta.url)(ADDON) as JpegDecodeAddon);
    } catch {
      return undefined;
    }
  }

  /**
   * The frame's pixels, or undefined when the frame is not one this decoder takes (the caller then
   * uses sharp). Decoded into the start of `into` when it is large enough (a frame cache's slot).
   */
  decode(frame: EncodedFrame, into?: Buffer): DecodedPixels | undefined {
    const { width, height, decoding } = frame;
    if (frame.format !== 'jpeg' || frame.orientation !== 1 || decoding.resize || !decoding.ignoreIcc || width * height > decoding.maxPixels) return undefined;
    const bytes = width * height * FRAME_CHANNELS;
    // Not from Node's pool: a frame is ~1 MB, and a pooled slice would keep its neighbours alive.
    const data = into && into.length >= bytes ? into.subarray(0, bytes) : Buffer.allocUnsafeSlow(bytes);
    if (this.addon.decodeRgb(frame.encoded, data, width, height) !== null) return undefined;
    return { width, height, data, dataWidth: width, dataHeight: height };
  }
}
