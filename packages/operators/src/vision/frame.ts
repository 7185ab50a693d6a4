/**
 * A decoded image ready for models: raw 8-bit RGB pixels (HWC, 3 channels), possibly downscaled
 * from the original. Posting a frame to an inference worker copies the pixels once (about 0.1 ms for
 * 640×480); shared memory was tried and kept every frame alive until the main thread's next full GC.
 */
export interface Frame {
  /** Width of the original image after EXIF orientation; detection boxes use these pixels. */
  readonly width: number;
  /** Height of the original image after EXIF orientation. */
  readonly height: number;
  /** RGB pixels, row-major, `dataWidth × dataHeight × 3` bytes. */
  readonly data: Buffer;
  readonly dataWidth: number;
  readonly dataHeight: number;
  /** Source format as sharp names it: jpeg, png, webp, gif, tiff, heif... */
  readonly format: string;
}

/** The part of a Frame that inference workers read (a Buffer arrives there as a Uint8Array). */
export type FramePixels = Pick<Frame, 'width' | 'height' | 'dataWidth' | 'dataHeight'> & { readonly data: Uint8Array };

export const FRAME_CHANNELS = 3;

/** Original pixels per data pixel on each axis (1 unless the frame was downscaled). */
export function frameScale(frame: FramePixels): { readonly x: number; readonly y: number } {
  return { x: frame.width / frame.dataWidth, y: frame.height / frame.dataHeight };
}
