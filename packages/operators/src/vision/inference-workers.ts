// Imports nothing from @vision-flow/core or ONNX Runtime: `vision-flow run` loads this entry
// (@vision-flow/operators/inference-workers) in its first lines, before the rest of the CLI.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DecodedFrameCache, type FrameCacheMemory } from './decoded-frame-cache.js';
import { LoadTurns, type LoadTurn } from './load-turns.js';
import { withoutOnnxTelemetry } from './onnx-telemetry.js';

export interface InferenceWorkersOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  readonly size?: number;
  /**
   * Decoded frames the workers share (default 16 frames of at most 4 MiB, i.e. 1.4 megapixels), so
   * an image that two detectors run on is decoded once; `false` decodes every request.
   */
  readonly frameCache?: { readonly frames: number; readonly frameBytes: number } | false;
}

/**
 * Inference worker threads and the decoded-frame cache they share, started before the inference
 * pool that runs frames on them (inference-pool.ts) exists. A worker's start, a Node isolate loading
 * ONNX Runtime's binding and the JPEG decoder, costs ~50–70 ms of a core; `vision-flow run` starts
 * them before it loads its own modules and the topology (~0.2 s of the main thread, when the second
 * core has nothing else to do), and its pool takes them. The pool starts its own otherwise.
 *
 * Workers are unref()-ed: they never keep the process alive. Those no pool took are ended with
 * `close()`, never `terminate()`d (a worker stopped inside a native call aborts the process).
 */
export class InferenceWorkers {
  readonly size: number;
  /** Shared with every worker at its start; undefined when the frame cache is off. */
  readonly frameCache: FrameCacheMemory | undefined;
  private readonly waitingWorkers: Worker[] = [];
  /** Workers load at most one fewer at once than the cores, leaving one to the thread that starts them. */
  private readonly turns = new LoadTurns(Math.max(1, availableParallelism() - 1));

  constructor(opts: InferenceWorkersOptions = {}) {
    withoutOnnxTelemetry(); // before a worker loads ONNX Runtime
    this.size = positiveInt(opts.size ?? availableParallelism(), 'size');
    const cache = opts.frameCache ?? { frames: 16, frameBytes: 4 * 1024 * 1024 };
    this.frameCache = cache === false ? undefined : DecodedFrameCache.allocate(positiveInt(cache.frames, 'frameCache.frames'), positiveInt(cache.frameBytes, 'frameCache.frameBytes'));
  }

  /** Workers started and not taken yet. */
  get waiting(): number {
    return this.waitingWorkers.length;
  }

  /** Starts all `size` workers now, to be taken later. */
  start(): this {
    while (this.waitingWorkers.length < this.size) this.waitingWorkers.push(this.spawn());
    return this;
  }

  /** A worker started ahead if one is left, else a new one; the caller owns it from here. */
  take(): Worker {
    return this.waitingWorkers.shift() ?? this.spawn();
  }

  /** Ends the workers nobody took, each once it has loaded: what a run without a detector leaves. */
  async close(): Promise<void> {
    await Promise.all(this.waitingWorkers.splice(0).map((w) => closeWorker(w)));
  }

  private spawn(): Worker {
    const worker = startWorker({ frameCache: this.frameCache, loadTurn: this.turns.next() });
    worker.unref();
    return worker;
  }
}

/** Ends a worker between frames: it finishes what it runs, releases its sessions and exits (inference-worker.ts). */
export function closeWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // the process waits for the worker to end
  worker.postMessage({ close: true });
  return exited;
}

/**
 * Built code runs the compiled worker directly. From source (vitest, tsx) the worker is TypeScript,
 * so a tiny bootstrap registers tsx's loader inside the worker before importing it.
 */
function startWorker(workerData: { readonly frameCache: FrameCacheMemory | undefined; readonly loadTurn: LoadTurn }): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new Worker(new URL('./inference-worker-entry.js', import.meta.url), { workerData });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./inference-worker-entry.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** core's checkPositiveInt, which this entry cannot import; the message names the option alike. */
function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`inference workers: ${name} must be a positive integer, got ${String(n)}`);
  return n;
}
