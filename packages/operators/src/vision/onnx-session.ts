import { InferenceSession } from 'onnxruntime-node';
import type { EditedModel } from './edited-model.js';
import { ModelEditCache } from './model-edit-cache.js';
import { withoutOnnxTelemetry } from './onnx-telemetry.js';
import type { OptimizedModels } from './optimized-models.js';

export interface OnnxSessionOptions {
  /** Threads one inference may use. 1 by default: parallelism comes from one session per worker (measured faster). */
  readonly intraOpNumThreads?: number;
  /** Where a saved model edit's optimised graph is kept and opened from (optimized-models.ts); none: optimised every time. */
  readonly optimized?: OptimizedModels;
}

/** An open model and how to feed it. */
export interface OnnxModel {
  readonly session: InferenceSession;
  /** Set when its Focus layer was taken out of the graph: feed this tensor, in space-to-depth layout. */
  readonly spaceToDepth?: EditedModel['spaceToDepth'];
}

/**
 * Opens an ONNX model with the settings vision-flow measured best on CPU, after the graph edits
 * that keep its results (edited-model.ts): `edited` when the caller made them already, else here.
 */
export async function openOnnxModel(path: string, opts: OnnxSessionOptions = {}, edited?: EditedModel): Promise<OnnxModel> {
  withoutOnnxTelemetry();
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: warnings about unused initialisers are noise here
  };
  let model = edited ?? (await editModel(path, ModelEditCache.fromEnvironment()));
  try {
    return withSession(model, await createSession(model, path, options, opts.optimized));
  } catch (e) {
    if (!model.file) throw e; // ONNX Runtime's own error names the file and the problem
    // The saved edit went missing or bad since it was looked up: edit the model again, without the cache.
    model = await editModel(path, undefined);
    return withSession(model, await createSession(model, path, options));
  }
}

/** Imported only when needed: inference workers get their models edited by the pool and never load protobufjs. */
async function editModel(path: string, cache: ModelEditCache | undefined): Promise<EditedModel> {
  return (await import('./edited-model.js')).editModel(path, cache);
}

function createSession(model: EditedModel, path: string, options: InferenceSession.SessionOptions, optimized?: OptimizedModels): Promise<InferenceSession> {
  if (model.bytes) return InferenceSession.create(model.bytes, options);
  // Only a saved edit's graph is kept optimised: it lives in vision-flow's cache folder, named by its source.
  if (model.file && optimized) return optimized.open(model.file, options);
  return InferenceSession.create(model.file ?? path, options);
}

function withSession(model: EditedModel, session: InferenceSession): OnnxModel {
  return { session, ...(model.spaceToDepth ? { spaceToDepth: model.spaceToDepth } : {}) };
}
