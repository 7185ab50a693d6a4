// Imports nothing but node: the inference pool calls it on the main thread, which never loads ONNX Runtime.
import { isMainThread } from 'node:worker_threads';

/**
 * ONNX Runtime's Linux build (1.30) collects telemetry unless ORT_DISABLE_TELEMETRY is set: a device
 * id and an SQLite event store under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, opened with the
 * first session and checkpointed with an fsync as the process exits (~25 ms of a one-image run's
 * wall time). What a pipeline runs is not ONNX Runtime's to report: off unless the user set the
 * variable. Set in the process's own environment, which only the main thread's `process.env` writes
 * to (a worker's is a copy), before the first session or inference worker.
 */
export function withoutOnnxTelemetry(): void {
  if (isMainThread) process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
}
