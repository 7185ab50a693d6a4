import { ConfigError, checkPositiveInt, errorCode } from '@vision-flow/core';
import type { ModelSpec } from '../models/catalogue.js';
import { modelSpec, resolveModel, type ResolvedModel } from '../models/resolve-model.js';
import { boxFromCorners, type Box } from './box.js';
import { undecodable, type DecodedImage } from './decode-image.js';
import type { InferencePool } from './inference-pool.js';
import { checkFraction } from './check-fraction.js';

export interface DetectorOptions {
  readonly model: string;
  readonly scoreThreshold?: number | undefined;
  readonly iouThreshold?: number | undefined;
  readonly maxDetections?: number | undefined;
  readonly modelDir?: string | undefined;
  readonly pool?: InferencePool | undefined;
}

export interface Detection {
  readonly classId: number;
  readonly score: number;
  readonly box: Box;
}

export interface Detector {
  readonly spec: ModelSpec;
  /** Detections best first, boxes in original pixels clipped to the image, and the labels if the model has them. */
  detect(image: DecodedImage): Promise<{ detections: Detection[]; labels: readonly string[] | undefined; ms: number }>;
}

/** A detector's checked options; `forRun` gives the detector of one run. */
export interface DetectorFactory {
  readonly spec: ModelSpec;
  /** `modelDir` is the run's model folder (the operator's `modelDir` option wins over it); `pool` the run's inference pool (the operator's `pool` option wins over it). */
  forRun(modelDir: string | undefined, pool: () => InferencePool): Detector;
}

/**
 * What detectObjects and detectFaces share: eager option checks, then per run lazy model
 * resolution (verified once per process and file) and a run on the run's inference pool.
 */
export function detector(task: ModelSpec['task'], op: string, opts: DetectorOptions): DetectorFactory {
  const spec = modelSpec(opts.model);
  if (spec.task !== task) throw new ConfigError(`${op}: model "${spec.name}" detects ${spec.task}, not ${task}`, { operator: op, model: spec.name });
  const params = {
    scoreThreshold: checkFraction(opts.scoreThreshold ?? spec.defaults.scoreThreshold, 'scoreThreshold', op),
    iouThreshold: checkFraction(opts.iouThreshold ?? spec.defaults.iouThreshold, 'iouThreshold', op),
    maxDetections: checkPositiveInt(opts.maxDetections ?? 100, 'maxDetections', op),
    classAware: spec.defaults.classAware,
  };
  return {
    spec,
    forRun(runModelDir, runPool) {
      const folder = opts.modelDir ? { modelDir: opts.modelDir } : { modelDir: runModelDir, from: "the run's modelDir (the CLI's --models or VF_MODEL_DIR)" };
      let resolved: Promise<ResolvedModel> | undefined;
      const resolve = (): Promise<ResolvedModel> => {
        if (!resolved) {
          resolved = resolveModel(spec.name, folder);
          resolved.catch(() => (resolved = undefined)); // a model fixed on disk is picked up by the next record
        }
        return resolved;
      };
      // Taken as the node starts, so a pool the CLI prestarted is this run's, not closed as unclaimed.
      const pool = opts.pool ?? runPool();
      // The model is verified now (synchronously, resolve-model.ts), and the pool's workers open it
      // while the rest of the run sets up. Best effort: detect() reports any problem.
      resolve().then((model) => pool.warm(model.path), () => undefined);
      return {
        spec,
        async detect(image) {
          const started = performance.now();
          const model = await resolve();
          const { frame } = image;
          const { detections } = await pool
            .run({ modelPath: model.path, model: { input: spec.input, output: spec.output }, image: frame, params })
            .catch((e: unknown) => Promise.reject(errorCode(e) === 'IMAGE_UNDECODABLE' ? undecodable(image.id, frame, e) : e));
          const out: Detection[] = [];
          for (const d of detections) {
            const box = boxFromCorners(d.x1, d.y1, d.x2, d.y2, frame.width, frame.height);
            if (box) out.push({ classId: d.classId, score: Math.round(d.score * 1e4) / 1e4, box });
          }
          return { detections: out, labels: model.labels, ms: performance.now() - started };
        },
      };
    },
  };
}
