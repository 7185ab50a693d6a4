import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { OnnxModel } from './onnx-session.js';
import type { InputContract, OutputContract } from '../models/catalogue.js';
import type { FramePixels } from './frame.js';
import { prepareTensor } from './letterbox.js';
import { nms, type Candidate } from './nms.js';
import { ultrafaceDecode } from './ultraface-decode.js';
import type { SimdResize } from './simd-resize.js';
import type { TensorBuffers } from './tensor-buffers.js';
import { yoloxDecode } from './yolox-decode.js';

export interface DetectParams {
  readonly scoreThreshold: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
  /** Only boxes of the same class suppress each other (default true; YOLOX's reference NMS is class-agnostic). */
  readonly classAware?: boolean;
}

/** What a thread that runs many frames keeps between them: tensors to re-use, the SIMD resize. */
export interface DetectorScratch {
  readonly buffers: TensorBuffers;
  readonly simd?: SimdResize;
}

export interface DetectorTimings {
  readonly preMs: number;
  readonly inferMs: number;
  readonly postMs: number;
}

export interface DetectorResult {
  /** Best first, in original image pixels (not yet clipped to the image). */
  readonly detections: Candidate[];
  readonly timings: DetectorTimings;
}

/**
 * One frame through one model: tensor preparation, inference, decode, mapping to original pixels
 * and NMS. Runs wherever the session lives (an inference worker, or the main thread in benches).
 */
export async function runDetector(
  opened: OnnxModel,
  model: { readonly input: InputContract; readonly output: OutputContract },
  frame: FramePixels,
  params: DetectParams,
  keep?: DetectorScratch,
): Promise<DetectorResult> {
  const t0 = performance.now();
  const [, , h, w] = model.input.shape;
  const scratch = keep?.buffers.take(3 * h * w);
  const tensor = prepareTensor(frame, model.input, scratch, keep?.simd, opened.spaceToDepth?.blocks);
  const feed = opened.spaceToDepth?.name ?? model.input.tensor;
  const t1 = performance.now();
  let outputs: InferenceSession.OnnxValueMapType;
  try {
    outputs = await opened.session.run({ [feed]: new Tensor('float32', tensor.data, tensor.dims) });
  } finally {
    if (scratch) keep?.buffers.give(scratch);
  }
  const t2 = performance.now();
  const read = (name: string): Float32Array => {
    const t = outputs[name];
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`model output "${name}" is missing or not float32`);
    return t.data;
  };
  let candidates: Candidate[];
  if (model.output.kind === 'yolox') {
    const [, , height, width] = model.input.shape;
    const { strides, classes } = model.output;
    const raw = yoloxDecode(read(model.output.tensor), { inputWidth: width, inputHeight: height, strides, classes, scoreThreshold: params.scoreThreshold });
    // Input pixels → data pixels (the letterbox ratio) → original pixels (when the frame was decoded smaller).
    candidates = scaleAll(raw, (tensor.scaleX * frame.width) / frame.dataWidth, (tensor.scaleY * frame.height) / frame.dataHeight);
  } else {
    const raw = ultrafaceDecode(read(model.output.scores), read(model.output.boxes), params.scoreThreshold);
    candidates = scaleAll(raw, frame.width, frame.height);
  }
  const detections = nms(candidates, { iouThreshold: params.iouThreshold, classAware: params.classAware ?? true, maxDetections: params.maxDetections });
  const t3 = performance.now();
  return { detections, timings: { preMs: t1 - t0, inferMs: t2 - t1, postMs: t3 - t2 } };
}

function scaleAll(cs: readonly Candidate[], fx: number, fy: number): Candidate[] {
  return cs.map((c) => ({ x1: c.x1 * fx, y1: c.y1 * fy, x2: c.x2 * fx, y2: c.y2 * fy, score: c.score, classId: c.classId }));
}
