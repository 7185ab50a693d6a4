import type { InputContract } from '../models/catalogue.js';
import { FRAME_CHANNELS, type FramePixels } from './frame.js';
import { resizeBilinearChw } from './resize-bilinear-chw.js';
import type { SimdResize } from './simd-resize.js';
import { ChwLayout, SpaceToDepthLayout, type SpaceToDepthBlocks, type TensorLayout } from './tensor-layout.js';

/** A model input tensor and where the image sits inside it. */
export interface ModelTensor {
  readonly data: Float32Array;
  /** As the model is fed: [1, 3, H, W], or [1, 12, H/2, W/2] in space-to-depth layout. */
  readonly dims: readonly number[];
  /** Size of the image content at the tensor's top-left; the rest is padding (letterbox only). */
  readonly contentWidth: number;
  readonly contentHeight: number;
  /** Data pixels per input pixel on each axis: multiply a box in input pixels by it (then by frameScale) to map it back. */
  readonly scaleX: number;
  readonly scaleY: number;
}

/**
 * Prepares a frame for a model the way its contract says (letterbox or stretch), in one pass on
 * the calling thread: bilinear resampling as OpenCV's INTER_LINEAR does it, channel order,
 * normalisation and CHW layout together. `out` (3 × input pixels) is reused when given. With
 * `spaceToDepth` the values go straight into a model whose Focus layer was taken out of its graph
 * (space-to-depth-input.ts).
 */
export function prepareTensor(frame: FramePixels, input: InputContract, out?: Float32Array, simd?: SimdResize, spaceToDepth?: SpaceToDepthBlocks): ModelTensor {
  const [, , height, width] = input.shape;
  const channels: [number, number, number] = input.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const layout = spaceToDepth ? new SpaceToDepthLayout(channels, width, height, spaceToDepth) : new ChwLayout(channels, width, height);
  return input.resize === 'letterbox' ? letterbox(frame, input, out, simd, layout) : stretch(frame, input, out, simd, layout);
}

/**
 * Resizes keeping the aspect ratio so the frame fits the input, puts it at the top-left and pads
 * the rest with `input.padValue` (YOLOX style). The content size is truncated, as the YOLOX
 * reference code does (`int(w * r)`), and boxes map back by the ratio r itself.
 */
export function letterbox(frame: FramePixels, input: InputContract, out?: Float32Array, simd?: SimdResize, layout?: TensorLayout): ModelTensor {
  const [, , height, width] = input.shape;
  const r = Math.min(height / frame.dataHeight, width / frame.dataWidth);
  const contentWidth = clampSize(Math.trunc(frame.dataWidth * r), width);
  const contentHeight = clampSize(Math.trunc(frame.dataHeight * r), height);
  const data = resizeBilinearChw(frame, contentWidth, contentHeight, input, out, simd, layout);
  return { data, dims: layout?.dims ?? input.shape, contentWidth, contentHeight, scaleX: 1 / r, scaleY: 1 / r };
}

/** Resizes to exactly the input size, ignoring the aspect ratio (UltraFace style). */
export function stretch(frame: FramePixels, input: InputContract, out?: Float32Array, simd?: SimdResize, layout?: TensorLayout): ModelTensor {
  const [, , height, width] = input.shape;
  const data = resizeBilinearChw(frame, width, height, input, out, simd, layout);
  return { data, dims: layout?.dims ?? input.shape, contentWidth: width, contentHeight: height, scaleX: frame.dataWidth / width, scaleY: frame.dataHeight / height };
}

/**
 * Converts `width × height` RGB bytes (HWC) into a CHW float tensor of the input's size with the
 * contract's channel order and (v − mean) / std, the image at the top-left and padding elsewhere.
 */
export function toChw(rgb: Uint8Array, width: number, height: number, input: InputContract): Float32Array {
  const [, , tensorHeight, tensorWidth] = input.shape;
  if (width > tensorWidth || height > tensorHeight) throw new Error(`image ${width}×${height} does not fit the ${tensorWidth}×${tensorHeight} input`);
  if (rgb.length !== width * height * FRAME_CHANNELS) throw new Error(`expected ${width * height * FRAME_CHANNELS} RGB bytes for ${width}×${height}, got ${rgb.length}`);
  return resizeBilinearChw({ data: rgb, dataWidth: width, dataHeight: height }, width, height, input);
}

const clampSize = (n: number, max: number): number => Math.min(max, Math.max(1, n));
