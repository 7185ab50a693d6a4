import type { Worker } from 'node:worker_threads';
import { VisionFlowError, checkPositiveInt, settlesWithin, type RunResources } from '@vision-flow/core';
import type { InputContract, OutputContract } from '../models/catalogue.js';
import { DecodedFrameCache, type FrameCacheStats } from './decoded-frame-cache.js';
import { editModel, type EditedModel } from './edited-model.js';
import { FairQueue } from './fair-queue.js';
import { closeWorker, InferenceWorkers } from './inference-workers.js';
import { ModelEditCache } from './model-edit-cache.js';
import type { EncodedFrame } from './frame.js';
import type { DetectParams, DetectorResult } from './run-detector.js';

export interface InferencePoolOptions {
  /** Worker threads, each with its own sessions (default `os.availableParallelism()`). */
  readonly size?: number;
  /** Frames in flight per worker (default 2): the next one is already there when a run ends. */
  readonly perWorker?: number;
  /**
   * Decoded frames the workers share (default 16 frames of at most 4 MiB, i.e. 1.4 megapixels), so
   * an image that two detectors run on is decoded once; `false` decodes every request.
   */
  readonly frameCache?: { readonly frames: number; readonly frameBytes: number } | false;
  /** How long `close()` waits for a worker to finish its frame and end (default 30 s); then it stops waiting. */
  readonly closeTimeoutMs?: number;
  /** Workers started ahead (`vision-flow run` starts them first thing): their count and frame cache replace `size` and `frameCache`. */
  readonly workers?: InferenceWorkers;
}

export interface InferenceRequest {
  readonly modelPath: string;
  readonly model: { readonly input: InputContract; readonly output: OutputContract };
  /** Decoded in the worker: the pixels never reach the caller's thread. */
  readonly image: EncodedFrame;
  readonly params: DetectParams;
}

/** @internal message to a worker */
export interface WorkerRequest extends InferenceRequest {
  readonly id: number;
  /** With a worker's first request for a model: the model as edited once by the pool (edited-model.ts). */
  readonly edited?: EditedModel;
}

/** @internal what the pool posts to a worker: a frame to run, a model to open ahead of its frames, or the graceful close */
export type WorkerMessage = WorkerRequest | { readonly open: string; readonly edited: EditedModel } | { readonly close: true };

/** @internal message from a worker */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: DetectorResult }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly undecodable: boolean };

interface Pending {
  readonly resolve: (r: DetectorResult) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Models whose edited bytes this worker was sent. */
  readonly sent: Set<string>;
  /** Callers that picked this worker and wait for their model's edit before posting. */
  reserved: number;
}

/**
 * Why workers: measured on a 2-core machine, yolox-nano JPEG → detections on the 30 COCO samples
 * (`npx tsx bench/inference-rate.ts --compare-designs`): 2 workers × 2 frames in flight 45.8 images/s,
 * 2 workers × 1 frame 40.1, one 2-thread session on the main thread 28.1, two 1-thread sessions on
 * the main thread 33.7.
 *
 * A fixed set of worker threads running ONNX inference, `perWorker` frames at a time each. Callers
 * beyond that capacity wait in `run()`, the model given the fewest places first (FairQueue). A frame travels
 * encoded (a copy of ~100 KB of JPEG) and is decoded in the worker: decoding runs in parallel on
 * the workers, and the caller's isolate never holds ~1 MB of pixels per image (measured: 52–71
 * Mark-Compacts of the main isolate per 400 images when it did). Idle workers are unref()-ed and
 * never keep the process alive.
 */
export class InferencePool {
  readonly size: number;
  readonly perWorker: number;
  private readonly slots: Slot[] = [];
  /** Each model as edited for its sessions (edited-model.ts), made once by the first caller. */
  private readonly edits = new Map<string, Promise<EditedModel>>();
  /** Callers waiting for a place, by model: the model given the fewest places goes first (see FairQueue). */
  private readonly waiting: FairQueue<{ go: () => void; fail: (e: unknown) => void }>;
  private busy = 0;
  private nextId = 1;
  private closed = false;
  /** Where this pool's workers come from: started ahead, or started here on demand. */
  private readonly started: InferenceWorkers;
  private readonly frameCacheView: DecodedFrameCache | undefined;
  private readonly closeTimeoutMs: number;

  constructor(opts: InferencePoolOptions = {}) {
    this.perWorker = checkPositiveInt(opts.perWorker ?? 2, 'perWorker', 'inference pool');
    this.closeTimeoutMs = checkPositiveInt(opts.closeTimeoutMs ?? 30_000, 'closeTimeoutMs', 'inference pool');
    const cache = opts.frameCache;
    this.started = opts.workers ?? new InferenceWorkers({
      ...(opts.size === undefined ? {} : { size: checkPositiveInt(opts.size, 'size', 'inference pool') }),
      ...(cache === undefined ? {} : { frameCache: cache && { frames: checkPositiveInt(cache.frames, 'frameCache.frames', 'inference pool'), frameBytes: checkPositiveInt(cache.frameBytes, 'frameCache.frameBytes', 'inference pool') } }),
    });
    this.size = this.started.size;
    this.frameCacheView = this.started.frameCache && new DecodedFrameCache(this.started.frameCache);
    // A model that joins late goes first for at most a cache's worth of frames.
    this.waiting = new FairQueue(this.started.frameCache?.slots.length ?? 16);
  }

  /** How often a worker found a frame decoded by another; undefined without a frame cache. */
  frameCacheStats(): FrameCacheStats | undefined {
    return this.frameCacheView?.stats();
  }

  /** Frames the pool runs at once; more callers wait. */
  get capacity(): number {
    return this.size * this.perWorker;
  }

  /** Frames placed on workers now (a worker's first frame of a model waits there for the model's edit). */
  get inFlight(): number {
    return this.slots.reduce((n, s) => n + s.pending.size + s.reserved, 0);
  }

  /** Callers waiting for a place. */
  get waitingCallers(): number {
    return this.waiting.length;
  }

  /** Workers started so far (they start on demand, up to `size`). */
  get workers(): number {
    return this.slots.length;
  }

  /** Runs one frame through one model on a worker; waits for a free place first. */
  async run(req: InferenceRequest): Promise<DetectorResult> {
    await this.acquire(req.modelPath);
    try {
      // The worker is picked (and started) before the model is edited here, so the two overlap.
      let slot = this.pickSlot(req.modelPath);
      let edited: EditedModel | undefined;
      if (!slot.sent.has(req.modelPath)) {
        slot.reserved++;
        try {
          edited = await this.edited(req.modelPath);
        } finally {
          slot.reserved--;
        }
        if (!this.slots.includes(slot) && !this.closed) slot = this.pickSlot(req.modelPath); // it crashed meanwhile
      }
      return await this.dispatch(slot, req, edited);
    } finally {
      this.release();
    }
  }

  /**
   * Starts every worker and has one open `modelPath` now, ahead of its first frame: a detector node
   * calls it as it starts. The worker opening the fewest models takes it, so two detectors' models
   * open side by side on two workers instead of one after the other on each (a worker opens one
   * session at a time; measured: the first result ~30 ms sooner). The model's first frames go to
   * that worker while it has room; the others open it with their first frame of it. Opening
   * failures surface with the frames (the worker opens again).
   */
  warm(modelPath: string): void {
    if (this.closed) return;
    this.start();
    void this.edited(modelPath).then((edited) => {
      if (this.closed || this.slots.some((s) => s.sent.has(modelPath))) return;
      const slot = this.slots.reduce((a, b) => (b.sent.size < a.sent.size ? b : a));
      slot.worker.postMessage({ open: modelPath, edited } satisfies WorkerMessage);
      slot.sent.add(modelPath);
    });
  }

  /** Starts every worker now (each loads ONNX Runtime), rather than with the first frames. */
  start(): this {
    if (!this.closed) while (this.slots.length < this.size) this.slots.push(this.spawn());
    return this;
  }

  /** Each model file is read and edited once per pool, on this thread, not once per worker. */
  private edited(modelPath: string): Promise<EditedModel> {
    let e = this.edits.get(modelPath);
    if (!e) this.edits.set(modelPath, (e = editModel(modelPath, ModelEditCache.fromEnvironment())));
    return e;
  }

  /**
   * Stops every worker; pending and waiting calls fail with INFERENCE_POOL_CLOSED at once. Each
   * worker finishes the frame it runs and ends by itself: `terminate()` during a native call (an
   * ONNX run, sharp loading) aborts the whole process, `terminate called after throwing an instance
   * of 'Napi::Error'`. One still inside a call after `closeTimeoutMs` is left to end with the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    const err = closedError();
    for (const w of this.waiting.drain()) w.fail(err);
    const slots = this.slots.splice(0);
    for (const s of slots) for (const p of s.pending.values()) p.reject(err);
    await Promise.all([...slots.map((s) => this.stopWorker(s.worker)), settlesWithin(this.started.close(), this.closeTimeoutMs)]);
  }

  private async stopWorker(worker: Worker): Promise<void> {
    if (!(await settlesWithin(closeWorker(worker), this.closeTimeoutMs))) worker.unref();
  }

  private acquire(model: string): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.busy < this.capacity) {
      this.busy++;
      this.waiting.given(model);
      return Promise.resolve();
    }
    return new Promise((go, fail) => this.waiting.push(model, { go: () => go(), fail }));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.go(); // the place passes straight to the next caller
    else this.busy--;
  }

  private dispatch(slot: Slot, req: InferenceRequest, edited: EditedModel | undefined): Promise<DetectorResult> {
    if (this.closed) return Promise.reject(closedError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref(); // busy workers keep the process alive until they answer
      slot.pending.set(id, { resolve, reject });
      const { width, height, format, orientation, encoded, decoding } = req.image; // plain data only: a Frame's pixels() cannot be posted
      const msg: WorkerRequest = { ...req, image: { width, height, format, orientation, encoded, decoding }, id, ...(edited ? { edited } : {}) };
      slot.worker.postMessage(msg);
      slot.sent.add(req.modelPath);
    });
  }

  /**
   * The least busy worker, of those the least busy one that has `modelPath` open; a new one while
   * some are missing and all running ones are busy.
   */
  private pickSlot(modelPath: string): Slot {
    let best: Slot | undefined;
    const load = (s: Slot): number => s.pending.size + s.reserved;
    for (const s of this.slots) if (!best || load(s) < load(best) || (load(s) === load(best) && s.sent.has(modelPath) && !best.sent.has(modelPath))) best = s;
    if (best && (load(best) === 0 || this.slots.length >= this.size)) return best;
    const slot = this.spawn();
    this.slots.push(slot);
    return slot;
  }

  private spawn(): Slot {
    const worker = this.started.take();
    const slot: Slot = { worker, pending: new Map(), sent: new Set(), reserved: 0 };
    const settle = (id: number, fn: (p: Pending) => void): void => {
      const p = slot.pending.get(id);
      if (!p) return;
      slot.pending.delete(id);
      if (slot.pending.size === 0) worker.unref();
      fn(p);
    };
    worker.on('message', (reply: WorkerReply) => {
      settle(reply.id, (p) => (reply.ok ? p.resolve(reply.result) : p.reject(replyError(reply))));
    });
    const crashed = (cause: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1); // the next dispatch starts a fresh worker
      const err = new VisionFlowError(`inference worker stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'INFERENCE_WORKER_FAILED', retriable: true, cause });
      for (const id of [...slot.pending.keys()]) settle(id, (p) => p.reject(err));
    };
    worker.on('error', crashed);
    worker.on('exit', (code) => crashed(new Error(`exit code ${code}`)));
    return slot;
  }
}

const RUN_POOL = Symbol('vision-flow.inference-pool');

/**
 * The run's inference pool: every detector of the run (both detector nodes of the image pipeline
 * when they run in one process) shares it, so the workers match the cores, not the detectors. Made
 * on first use, closed when the run stops.
 */
export function runInferencePool(resources: RunResources): InferencePool {
  return resources.get(RUN_POOL, () => new InferencePool(), (pool) => pool.close());
}

/**
 * Starts the run's inference pool before its topology is loaded (`vision-flow run` does), on
 * `workers` when they were started earlier still: a worker's start, a Node isolate and ONNX
 * Runtime's binding (~60 ms of a core), then overlaps loading the topology instead of following it.
 * A run with no detector closes the pool once its nodes started.
 */
export function prestartInferencePool(resources: RunResources, workers?: InferenceWorkers): void {
  resources.prepare(RUN_POOL, () => new InferencePool(workers ? { workers } : {}).start(), (pool) => pool.close());
}

function replyError(reply: { readonly message: string; readonly undecodable: boolean }): VisionFlowError {
  return reply.undecodable
    ? new VisionFlowError(reply.message, { code: 'IMAGE_UNDECODABLE', retriable: false })
    : new VisionFlowError(`inference failed: ${reply.message}`, { code: 'INFERENCE_FAILED', retriable: false });
}

function closedError(): VisionFlowError {
  return new VisionFlowError('inference pool is closed', { code: 'INFERENCE_POOL_CLOSED', retriable: true });
}
