import type { OperatorFunction } from 'rxjs';
import type { Rec } from '@vision-flow/core';
import type { ObjectModelName } from '../models/catalogue.js';
import type { Box } from './box.js';
import type { DecodedImage } from './decode-image.js';
import { detector } from './detector.js';
import { detectorOperator } from './detector-operator.js';
import type { InferencePool } from './inference-pool.js';

export interface ObjectDetection {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
  readonly box: Box;
}

export interface ObjectDetections {
  readonly id: string;
  readonly source: string | null;
  /** Original image size (after EXIF orientation): the space the boxes are in. */
  readonly width: number;
  readonly height: number;
  readonly model: string;
  /** Best first. */
  readonly objects: readonly ObjectDetection[];
  /** The input's timings plus `objectsMs` (wait for a worker + inference + post-processing). */
  readonly timings: Readonly<{ [stage: string]: number }>;
}

export interface DetectObjectsOptions {
  readonly model?: ObjectModelName;
  /** Minimum objectness × class score (default 0.3). */
  readonly scoreThreshold?: number;
  /** Same-class boxes overlapping more than this are merged by NMS (default 0.45). */
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
 * Finds objects (80 COCO classes with yolox-nano) in each decoded image, on the run's inference
 * worker pool. Boxes are in original image pixels, clipped to the image.
 *
 * When to use: after decodeImage, in an objects node.
 *
 * @example
 * n.from(images).pipe(decodeImage(), detectObjects({ scoreThreshold: 0.4 })).to(objects)
 * @see decodeImage
 * @see annotateImage
 */
export function detectObjects<K>(opts: DetectObjectsOptions = {}): OperatorFunction<Rec<K, DecodedImage>, Rec<K, ObjectDetections>> {
  const d = detector('objects', 'detectObjects', { ...opts, model: opts.model ?? 'yolox-nano' });
  return detectorOperator('detectObjects', d, opts, (image, { detections, labels, ms }) => ({
    id: image.id,
    source: image.source,
    width: image.frame.width,
    height: image.frame.height,
    model: d.spec.name,
    objects: detections.map((x) => ({ label: labels?.[x.classId] ?? `class ${x.classId}`, ...x })),
    timings: { ...image.timings, objectsMs: Math.round(ms * 10) / 10 },
  }));
}
