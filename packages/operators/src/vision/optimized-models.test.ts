// ONNX Runtime's optimised graph kept beside a saved model (optimized-models.ts): opened instead of
// optimising again, with the same outputs, named by machine and options, replaced when damaged.
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OptimizedModels } from './optimized-models.js';

const ULTRAFACE = fileURLToPath(new URL('../../../../../shared/models/ultraface-rfb-320.onnx', import.meta.url));
const OPTIONS: InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vf-optimized-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The model's outputs for one fixed input. */
async function outputs(session: InferenceSession): Promise<number[][]> {
  const data = Float32Array.from({ length: 3 * 240 * 320 }, (_, i) => ((i * 7919) % 255) / 128 - 1);
  const out = await session.run({ [session.inputNames[0]!]: new Tensor('float32', data, [1, 3, 240, 320]) });
  const result = session.outputNames.map((name) => Array.from(out[name]!.data as Float32Array));
  await session.release();
  return result;
}

describe('OptimizedModels', () => {
  it('keeps the optimised graph beside the model and opens it next time, with the same outputs', async () => {
    const model = join(dir, 'model.onnx');
    await copyFile(ULTRAFACE, model);
    const optimized = OptimizedModels.forThisMachine()!;
    expect(optimized).toBeDefined();
    const first = await outputs(await optimized.open(model, OPTIONS));
    const kept = optimized.pathFor(model, OPTIONS);
    expect((await readdir(dir)).sort()).toEqual(['model.onnx', kept.slice(dir.length + 1)].sort());
    // With the model itself gone, only the kept graph can open.
    await rm(model);
    const second = await outputs(await optimized.open(model, OPTIONS));
    expect(second).toEqual(first);
  });

  it('optimises again, and replaces the kept graph, when that graph does not open', async () => {
    const model = join(dir, 'model.onnx');
    await copyFile(ULTRAFACE, model);
    const optimized = OptimizedModels.forThisMachine()!;
    await writeFile(optimized.pathFor(model, OPTIONS), 'not a model');
    const fresh = await outputs(await optimized.open(model, OPTIONS));
    expect(fresh[0]!.length).toBeGreaterThan(0);
    await rm(model);
    expect(await outputs(await optimized.open(model, OPTIONS))).toEqual(fresh); // the replacement opens
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the graph by the session options, and keeps none where the CPU features cannot be read', async () => {
    const optimized = OptimizedModels.forThisMachine()!;
    const a = optimized.pathFor('/m/model.onnx', OPTIONS);
    expect(a).toMatch(/^\/m\/model\.optimized-[0-9a-f]{16}\.onnx$/);
    expect(optimized.pathFor('/m/model.onnx', { ...OPTIONS, executionMode: 'parallel' })).not.toBe(a);
    const noFlags = join(dir, 'cpuinfo');
    await writeFile(noFlags, 'processor\t: 0\nmodel name\t: Some CPU\n');
    expect(OptimizedModels.forThisMachine(noFlags)).toBeUndefined();
    expect(OptimizedModels.forThisMachine(join(dir, 'missing'))).toBeUndefined();
  });
});
