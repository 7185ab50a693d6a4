import type { OperatorFunction } from 'rxjs';
import type { Rec } from '@vision-flow/core';
import type { FaceModelName } from '../models/catalogue.js';
import type { Box } from './box.js';
import type { DecodedImage } from './decode-image.js';
import { detector } from './detector.js';
import { detectorOperator } from './detector-operator.js';
import type { InferencePool } from './inference-pool.js';

export interface FaceDetection {
  readonly score: number;
  readonly box: Box;
}

export interface FaceDetections {
  readonly id: string;
  readonly source: string | null;
  /** Original image size (after EXIF orientation): the space the boxes are in. */
  readonly width: number;
  readonly height: number;
  readonly model: string;
  /** Best first. */
  readonly faces: readonly FaceDetection[];
  /** The input's timings plus `facesMs` (wait for a worker + inference + post-processing). */
  readonly timings: Readonly<{ [stage: string]: number }>;
}

export interface DetectFacesOptions {
  /** Default ultraface-rfb-320; ultraface-rfb-640 finds more small faces in crowds, 3–4× slower. */
  readonly model?: FaceModelName;
  /** Minimum face probability (default 0.7). */
  readonly scoreThreshold?: number;
  /** Faces overlapping more than this are merged by NMS (default 0.3). */
  readonly iouThreshold?: number;
  /** Default 100. */
  readonly maxDetections?: number;
  /** Where model files are; else the run's model folder (the CLI's `--models` or VF_MODEL_DIR), else ./models. */
  readonly modelDir?: string;
  /** Records in flight in this operator when it sees many (default: the pool's capacity). */
  readonly concurrency?: number;
  /** Inference pool to use instead of the run's (see runInferencePool). */
  readonly pool?: InferencePool;
}

/**
 * Finds faces in each decoded image with an UltraFace model, on the run's inference worker pool.
 * Boxes are in original image pixels, clipped to the image.
 *
 * When to use: after decodeImage, in a faces node.
 *
 * @example
 * n.from(images).pipe(decodeImage(), detectFaces({ model: 'ultraface-rfb-640' })).to(faces)
 * @see decodeImage
 * @see annotateImage
 */
export function detectFaces<K>(opts: DetectFacesOptions = {}): OperatorFunction<Rec<K, DecodedImage>, Rec<K, FaceDetections>> {
  const d = detector('faces', 'detectFaces', { ...opts, model: opts.model ?? 'ultraface-rfb-320' });
  return detectorOperator('detectFaces', d, opts, (image, { detections, ms }) => ({
    id: image.id,
    source: image.source,
    width: image.frame.width,
    height: image.frame.height,
    model: d.spec.name,
    faces: detections.map(({ score, box }) => ({ score, box })),
    timings: { ...image.timings, facesMs: Math.round(ms * 10) / 10 },
  }));
}
