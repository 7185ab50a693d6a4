// Entry of an inference worker thread: keeps one ONNX session per model file, created on first
// use, and runs one frame per message. Imports nothing from @vision-flow/core, so it loads the
// same way from src (through tsx) and from dist.
import { parentPort } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import type { WorkerReply, WorkerRequest } from './inference-pool.js';
import { createOnnxSession } from './onnx-session.js';
import { runDetector } from './run-detector.js';
import { TensorBuffers } from './tensor-buffers.js';

const sessions = new Map<string, Promise<InferenceSession>>();
const buffers = new TensorBuffers();

function session(path: string): Promise<InferenceSession> {
  let s = sessions.get(path);
  if (!s) {
    s = createOnnxSession(path);
    sessions.set(path, s);
    s.catch(() => sessions.delete(path));
  }
  return s;
}

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

port.on('message', (req: WorkerRequest) => {
  session(req.modelPath)
    .then((s) => runDetector(s, req.model, req.frame, req.params, buffers))
    .then(
      (result): WorkerReply => ({ id: req.id, ok: true, result }),
      (e: unknown): WorkerReply => ({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
    )
    .then((reply) => port.postMessage(reply));
});
