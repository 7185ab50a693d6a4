// An inference worker thread (loaded by inference-worker-entry.ts in its turn): keeps one ONNX
// session per model file, created on first use, and per message decodes one frame (or finds it
// decoded by another worker of the pool) and runs it through one model. Imports nothing from
// @vision-flow/core, so it loads the same way from src (through tsx) and from dist.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerMessage, WorkerReply, WorkerRequest } from './inference-pool.js';
import { DecodedFrameCache, type FrameCacheMemory } from './decoded-frame-cache.js';
import { decodePixels, UndecodableImageError } from './decode-pixels.js';
import { FRAME_CHANNELS, type DecodedPixels, type EncodedFrame } from './frame.js';
import { JpegTurbo } from './jpeg-turbo.js';
import type { EditedModel } from './edited-model.js';
import { openOnnxModel, type OnnxModel } from './onnx-session.js';
import { OptimizedModels } from './optimized-models.js';
import { runDetector } from './run-detector.js';
import { SimdResize } from './simd-resize.js';
import { TensorBuffers } from './tensor-buffers.js';

const sessions = new Map<string, Promise<OnnxModel>>();
const optimized = OptimizedModels.forThisMachine();
const simd = SimdResize.load();
// Input tensors in the SIMD resize's memory: it writes them in place.
const scratch = { buffers: new TensorBuffers(4, simd), simd };
const memory = (workerData as { frameCache?: FrameCacheMemory } | undefined)?.frameCache;
const cache = memory ? new DecodedFrameCache(memory) : undefined;
// Upright JPEGs decode with libjpeg-turbo; sharp (libvips) loads with the first frame that needs it
// (decode-pixels.ts). That is safe since the pool never terminates a worker (see closeWorker).
const jpeg = JpegTurbo.load();

function session(path: string, edited: EditedModel | undefined): Promise<OnnxModel> {
  let s = sessions.get(path);
  if (!s) {
    s = openOnnxModel(path, { ...(optimized ? { optimized } : {}) }, edited);
    sessions.set(path, s);
    s.catch(() => sessions.delete(path));
  }
  return s;
}

/** The frame's pixels, from the pool's cache or decoded here (and then shared through it); `done` after use. */
async function pixelsOf(image: EncodedFrame): Promise<{ pixels: DecodedPixels; done(): void }> {
  if (!cache) return { pixels: jpeg?.decode(image) ?? (await decodePixels(image)), done: () => undefined };
  const key = DecodedFrameCache.keyOf(image);
  // At most its size before any resize: a reservation is made before the decode.
  const bytes = (image.decoding.resize ? image.decoding.resize.width * image.decoding.resize.height : image.width * image.height) * FRAME_CHANNELS;
  for (let waits = 0; ; waits++) {
    const found = cache.acquire(image, key, bytes);
    if (found.kind === 'hit') return { pixels: found.pixels, done: found.release };
    // Another worker is decoding this very image (the other detector, at the same moment): wait for it, not decode it twice.
    if (found.kind === 'decoding' && waits < 2) {
      await found.settled;
      continue;
    }
    const reservation = found.kind === 'miss' ? found.reservation : undefined;
    // libjpeg-turbo decodes straight into the reserved slot (a reservation exists only for a frame that
    // fits its slot, and this decoder never resizes): no frame allocated, none copied.
    const direct = jpeg?.decode(image, reservation?.memory);
    if (direct && reservation) {
      const held = reservation.filled(direct);
      return { pixels: held.pixels, done: held.release };
    }
    if (direct) return { pixels: direct, done: () => undefined };
    let pixels: DecodedPixels;
    try {
      pixels = await decodePixels(image);
    } catch (e) {
      reservation?.abandon();
      throw e;
    }
    reservation?.fill(pixels);
    return { pixels, done: () => undefined };
  }
}

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

/** One request: the session and the pixels side by side; pixels from the cache are released whatever happens. */
async function detect(req: WorkerRequest): Promise<WorkerReply> {
  const [s, frame] = await Promise.allSettled([session(req.modelPath, req.edited), pixelsOf(req.image)]);
  if (frame.status === 'rejected') throw frame.reason;
  try {
    if (s.status === 'rejected') throw s.reason;
    return { id: req.id, ok: true, result: await runDetector(s.value, req.model, frame.value.pixels, req.params, scratch) };
  } finally {
    frame.value.done();
  }
}

const running = new Set<Promise<void>>();

/**
 * The pool's close: finish what runs, release the sessions, then close the port so the thread ends
 * on its own. Never `terminate()`d while a native call runs: a worker stopped inside sharp's or
 * onnxruntime's addon aborts the whole process (`terminate called after throwing an instance of
 * 'Napi::Error'`).
 */
async function closeWorker(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
  await Promise.allSettled([...sessions.values()].map(async (s) => (await s).session.release()));
  port!.close();
}

port.on('message', (msg: WorkerMessage) => {
  if ('close' in msg) {
    void closeWorker();
    return;
  }
  if ('open' in msg) {
    session(msg.open, msg.edited).catch(() => undefined); // a frame of this model opens it again and reports why
    return;
  }
  const done = detect(msg)
    .catch((e: unknown): WorkerReply => ({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e), undecodable: e instanceof UndecodableImageError }))
    .then((reply) => port.postMessage(reply))
    .finally(() => running.delete(done));
  running.add(done);
});
