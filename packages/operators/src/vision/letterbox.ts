import sharp from 'sharp';
import type { InputContract } from '../models/catalogue.js';
import { FRAME_CHANNELS, type FramePixels } from './frame.js';

/** A model input tensor and where the image sits inside it. */
export interface ModelTensor {
  readonly data: Float32Array;
  readonly dims: readonly [1, 3, number, number];
  /** Size of the image content at the tensor's top-left; the rest is padding (letterbox only). */
  readonly contentWidth: number;
  readonly contentHeight: number;
}

/** Prepares a frame for a model the way its contract says (letterbox or stretch). */
export function prepareTensor(frame: FramePixels, input: InputContract): Promise<ModelTensor> {
  return input.resize === 'letterbox' ? letterbox(frame, input) : stretch(frame, input);
}

/**
 * Resizes keeping the aspect ratio so the frame fits the input, puts it at the top-left and pads
 * the rest with `input.padValue` (YOLOX style). Resizing runs in sharp's thread pool.
 */
export async function letterbox(frame: FramePixels, input: InputContract): Promise<ModelTensor> {
  const [, , height, width] = input.shape;
  const scale = Math.min(width / frame.dataWidth, height / frame.dataHeight);
  const contentWidth = clampSize(Math.round(frame.dataWidth * scale), width);
  const contentHeight = clampSize(Math.round(frame.dataHeight * scale), height);
  const rgb = await resizeRgb(frame, contentWidth, contentHeight);
  return { data: toChw(rgb, contentWidth, contentHeight, input), dims: input.shape, contentWidth, contentHeight };
}

/** Resizes to exactly the input size, ignoring the aspect ratio (UltraFace style). */
export async function stretch(frame: FramePixels, input: InputContract): Promise<ModelTensor> {
  const [, , height, width] = input.shape;
  const rgb = await resizeRgb(frame, width, height);
  return { data: toChw(rgb, width, height, input), dims: input.shape, contentWidth: width, contentHeight: height };
}

/**
 * Converts `width × height` RGB bytes (HWC) into a CHW float tensor of the input's size with the
 * contract's channel order and (v − mean) / std, the image at the top-left and padding elsewhere.
 */
export function toChw(rgb: Uint8Array, width: number, height: number, input: InputContract): Float32Array {
  const [, , tensorHeight, tensorWidth] = input.shape;
  if (width > tensorWidth || height > tensorHeight) throw new Error(`image ${width}×${height} does not fit the ${tensorWidth}×${tensorHeight} input`);
  if (rgb.length !== width * height * FRAME_CHANNELS) throw new Error(`expected ${width * height * FRAME_CHANNELS} RGB bytes for ${width}×${height}, got ${rgb.length}`);
  const plane = tensorWidth * tensorHeight;
  const out = new Float32Array(3 * plane);
  // One lookup per byte instead of arithmetic: (v − mean) / std for every possible v.
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v - input.mean) / input.std;
  if (width < tensorWidth || height < tensorHeight) out.fill((input.padValue - input.mean) / input.std);
  // Offsets of the R, G and B planes in the output.
  const [r, g, b] = input.channelOrder === 'RGB' ? [0, plane, 2 * plane] : [2 * plane, plane, 0];
  for (let y = 0; y < height; y++) {
    let src = y * width * FRAME_CHANNELS;
    const row = y * tensorWidth;
    for (let x = row, end = row + width; x < end; x++, src += FRAME_CHANNELS) {
      out[r + x] = lut[rgb[src]!]!;
      out[g + x] = lut[rgb[src + 1]!]!;
      out[b + x] = lut[rgb[src + 2]!]!;
    }
  }
  return out;
}

async function resizeRgb(frame: FramePixels, width: number, height: number): Promise<Uint8Array> {
  if (width === frame.dataWidth && height === frame.dataHeight) return frame.data;
  const raw = { width: frame.dataWidth, height: frame.dataHeight, channels: FRAME_CHANNELS } as const;
  return sharp(frame.data, { raw }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
}

const clampSize = (n: number, max: number): number => Math.min(max, Math.max(1, n));
