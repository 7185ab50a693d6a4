// Entry of an inference worker thread: keeps one ONNX session per model file, created on first
// use, and per message decodes one frame and runs it through one model. Imports nothing from @vision-flow/core, so it loads the
// same way from src (through tsx) and from dist.
import { parentPort } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import type { WorkerReply, WorkerRequest } from './inference-pool.js';
import { decodePixels, UndecodableImageError } from './decode-pixels.js';
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
  Promise.all([session(req.modelPath), decodePixels(req.image)])
    .then(([s, frame]) => runDetector(s, req.model, frame, req.params, buffers))
    .then(
      (result): WorkerReply => ({ id: req.id, ok: true, result }),
      (e: unknown): WorkerReply => ({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e), undecodable: e instanceof UndecodableImageError }),
    )
    .then((reply) => port.postMessage(reply));
});
