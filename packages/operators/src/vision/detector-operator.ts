import { availableParallelism } from 'node:os';
import { mergeMap, type OperatorFunction } from 'rxjs';
import { checkPositiveInt, withContext, type Rec } from '@vision-flow/core';
import type { DecodedImage } from './decode-image.js';
import type { Detection, DetectorFactory } from './detector.js';
import { runInferencePool, type InferencePool } from './inference-pool.js';

/** What a detector found in one image, as the operator's `toValue` gets it. */
export interface DetectorResult {
  readonly detections: Detection[];
  readonly labels: readonly string[] | undefined;
  /** Wait for a worker + inference + post-processing. */
  readonly ms: number;
}

/**
 * The operator shape detectObjects and detectFaces share: the detector built once per run with
 * the run's model folder, up to `concurrency` images in flight, `toValue` shaping each result.
 */
export function detectorOperator<K, V>(
  op: string,
  factory: DetectorFactory,
  opts: { readonly concurrency?: number | undefined; readonly pool?: InferencePool | undefined },
  toValue: (image: DecodedImage, result: DetectorResult) => V,
): OperatorFunction<Rec<K, DecodedImage>, Rec<K, V>> {
  const concurrency = checkPositiveInt(opts.concurrency ?? opts.pool?.capacity ?? 2 * availableParallelism(), 'concurrency', op);
  return withContext(op, (ctx) => {
    const run = factory.forRun(ctx.modelDir, () => runInferencePool(ctx.resources));
    const model = factory.spec.name;
    return (source) =>
      source.pipe(
        mergeMap(async (rec) => {
          const result = await run.detect(rec.value);
          ctx.report?.({ kind: 'inference', operator: op, model, durationMs: result.ms }); // vision_flow_inference_duration_seconds
          return rec.withValue(toValue(rec.value, result));
        }, concurrency),
      );
  });
}
