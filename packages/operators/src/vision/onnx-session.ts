import { readFile } from 'node:fs/promises';
import { InferenceSession } from 'onnxruntime-node';
import { withConstantInitializers } from './constant-initializers.js';
import { withSpaceToDepthInput } from './space-to-depth-input.js';
import type { SpaceToDepthBlocks } from './tensor-layout.js';

export interface OnnxSessionOptions {
  /** Threads one inference may use. 1 by default: parallelism comes from one session per worker (measured faster). */
  readonly intraOpNumThreads?: number;
}

/** An open model and how to feed it. */
export interface OnnxModel {
  readonly session: InferenceSession;
  /** Set when its Focus layer was taken out of the graph: feed this tensor, in space-to-depth layout. */
  readonly spaceToDepth?: { readonly name: string; readonly blocks: SpaceToDepthBlocks };
}

/**
 * Opens an ONNX model with the settings vision-flow measured best on CPU, after two edits that
 * keep its results: its weights treated as constants even where the export also declared them as
 * graph inputs (constant-initializers.ts), and a YOLOX Focus layer left to the tensor preparation
 * (space-to-depth-input.ts).
 */
export async function openOnnxModel(path: string, opts: OnnxSessionOptions = {}): Promise<OnnxModel> {
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: warnings about unused initialisers are noise here
  };
  const edited = await edit(path);
  if (!edited) return { session: await InferenceSession.create(path, options) };
  return { session: await InferenceSession.create(edited.bytes, options), ...(edited.feed ? { spaceToDepth: edited.feed } : {}) };
}

/** The edited model, or undefined to let ONNX Runtime open (and judge) the file itself. */
async function edit(path: string): Promise<{ bytes: Uint8Array; feed?: OnnxModel['spaceToDepth'] } | undefined> {
  try {
    const constants = withConstantInitializers(await readFile(path));
    const focus = withSpaceToDepthInput(constants.bytes);
    return constants.dropped > 0 || focus.feed ? focus : undefined;
  } catch {
    return undefined; // unreadable or not a protobuf: ONNX Runtime's own error names the problem
  }
}
