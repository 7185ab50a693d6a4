import { readFile } from 'node:fs/promises';
import { InferenceSession } from 'onnxruntime-node';
import { withConstantInitializers } from './constant-initializers.js';

export interface OnnxSessionOptions {
  /** Threads one inference may use. 1 by default: parallelism comes from one session per worker (measured faster). */
  readonly intraOpNumThreads?: number;
}

/**
 * Opens an ONNX model with the settings vision-flow measured best on CPU, its weights treated as
 * constants even where the export also declared them as graph inputs (constant-initializers.ts).
 */
export async function createOnnxSession(path: string, opts: OnnxSessionOptions = {}): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: warnings about unused initialisers are noise here
  };
  const bytes = await constantWeights(path);
  return bytes ? InferenceSession.create(bytes, options) : InferenceSession.create(path, options);
}

/** The model's bytes with its weights made constants, or undefined to let ONNX Runtime open (and judge) the file itself. */
async function constantWeights(path: string): Promise<Uint8Array | undefined> {
  try {
    const edited = withConstantInitializers(await readFile(path));
    return edited.dropped > 0 ? edited.bytes : undefined;
  } catch {
    return undefined; // unreadable or not a protobuf: ONNX Runtime's own error names the problem
  }
}
