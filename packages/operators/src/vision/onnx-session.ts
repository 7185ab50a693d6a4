import { InferenceSession } from 'onnxruntime-node';
import type { EditedModel } from './edited-model.js';
import { withoutOnnxTelemetry } from './onnx-telemetry.js';

export interface OnnxSessionOptions {
  /** Threads one inference may use. 1 by default: parallelism comes from one session per worker (measured faster). */
  readonly intraOpNumThreads?: number;
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
  // Imported only when needed: inference workers get their models edited by the pool and never load protobufjs.
  const model = edited ?? (await (await import('./edited-model.js')).editModel(path));
  const session = model.bytes ? await InferenceSession.create(model.bytes, options) : await InferenceSession.create(path, options);
  return { session, ...(model.spaceToDepth ? { spaceToDepth: model.spaceToDepth } : {}) };
}
