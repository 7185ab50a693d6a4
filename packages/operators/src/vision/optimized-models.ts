// Imports nothing from @vision-flow/core: inference workers use it (see inference-worker.ts).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import { env, InferenceSession } from 'onnxruntime-node';

/**
 * ONNX Runtime's optimised graph of a saved model edit (model-edit-cache.ts), kept beside it: a
 * later session opens the graph as optimised (fusions made, NCHWc layouts chosen) instead of
 * optimising the model again, which is most of what opening a session costs each worker at a run's
 * start. That graph holds kernels chosen for this CPU (NCHWc blocks sized by its vector width) by
 * this ONNX Runtime with these session options, so its file is named by all of them: the runtime's
 * version, the CPU's model name and feature flags (read from /proc/cpuinfo; elsewhere nothing is
 * kept), the options. A file that does not open is optimised again and replaced.
 */
export class OptimizedModels {
  private constructor(private readonly machine: string) {}

  /** For this machine; undefined where its CPU's features cannot be read. */
  static forThisMachine(cpuinfo = '/proc/cpuinfo'): OptimizedModels | undefined {
    try {
      const text = readFileSync(cpuinfo, 'latin1');
      const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
      const flags = field('flags') || field('Features');
      if (!flags) return undefined;
      return new OptimizedModels(JSON.stringify([env.versions, process.arch, field('model name'), flags]));
    } catch {
      return undefined;
    }
  }

  /** Where the optimised graph of the saved model `file`, opened with `options`, is kept. */
  pathFor(file: string, options: InferenceSession.SessionOptions): string {
    const signature = createHash('sha256').update(this.machine).update(JSON.stringify(options)).digest('hex').slice(0, 16);
    return `${file.replace(/\.onnx$/, '')}.optimized-${signature}.onnx`;
  }

  /** A session on `file` from its kept optimised graph, or optimised now and kept for the next. */
  async open(file: string, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
    const optimized = this.pathFor(file, options);
    if (existsSync(optimized)) {
      try {
        // Optimising again would find nothing to do: ONNX Runtime's advice for a saved optimised graph.
        return await InferenceSession.create(optimized, { ...options, graphOptimizationLevel: 'disabled' });
      } catch {
        // damaged: optimise the model again below and replace it
      }
    }
    const written = `${optimized}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(file, { ...options, optimizedModelFilePath: written });
    } catch (e) {
      rmSync(written, { force: true });
      throw e;
    }
    // Renamed whole once written, so a reader never opens half a graph; a folder that cannot be written only means optimising next time.
    await rename(written, optimized).catch(() => rm(written, { force: true }));
    return session;
  }
}
