import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { withConstantInitializers } from './constant-initializers.js';
import { openOnnxModel } from './onnx-session.js';

const SHARED_MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));
const ULTRAFACE = join(SHARED_MODELS, 'ultraface-rfb-320.onnx');
const YOLOX = join(SHARED_MODELS, 'yolox-nano.onnx');
const QUIET = { logSeverityLevel: 3, intraOpNumThreads: 1 } as const;

/** An image-like input for a model whose input has a fixed shape. */
function inputFor(session: InferenceSession): Record<string, Tensor> {
  const meta = session.inputMetadata[0]!;
  const shape = (meta.isTensor ? meta.shape : []) as number[];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 7919) % 255) / 128 - 1);
  return { [session.inputNames[0]!]: new Tensor('float32', data, shape) };
}

/** The kernels ONNX Runtime ran for one inference, from its profile. */
async function kernelsRun(model: Uint8Array, dir: string): Promise<Set<string>> {
  const session = await InferenceSession.create(model, { ...QUIET, enableProfiling: true, profileFilePrefix: join(dir, 'profile') });
  await session.run(inputFor(session));
  session.endProfiling();
  await session.release();
  const file = (await readdir(dir)).find((f) => f.startsWith('profile'))!;
  const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as Array<{ cat: string; args?: { op_name?: string } }>;
  await rm(join(dir, file));
  return new Set(events.filter((e) => e.cat === 'Node' && e.args?.op_name).map((e) => e.args!.op_name!));
}

describe('withConstantInitializers', () => {
  it('drops the weights an export declared as graph inputs, so ONNX Runtime fuses BatchNormalization into Conv', async () => {
    const original = await readFile(ULTRAFACE);
    const edited = withConstantInitializers(original);
    expect(edited.dropped).toBeGreaterThan(200); // every conv weight, bias and BatchNormalization parameter

    const dir = await mkdtemp(join(tmpdir(), 'vf-constant-init-'));
    try {
      expect(await kernelsRun(original, dir)).toContain('BatchNormalization');
      const optimised = await kernelsRun(edited.bytes, dir);
      expect(optimised).not.toContain('BatchNormalization');
      expect(optimised).not.toContain('Relu'); // fused into the convolutions
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the model’s inputs and outputs, and its results within float rounding', async () => {
    const original = await InferenceSession.create(ULTRAFACE, QUIET);
    const edited = await InferenceSession.create(withConstantInitializers(await readFile(ULTRAFACE)).bytes, QUIET);
    expect(edited.inputNames).toEqual(['input']);
    expect(edited.outputNames).toEqual(original.outputNames);
    const feeds = inputFor(original);
    const [a, b] = [await original.run(feeds), await edited.run(feeds)];
    for (const name of original.outputNames) {
      const x = a[name]!.data as Float32Array;
      const y = b[name]!.data as Float32Array;
      expect(y.length).toBe(x.length);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('leaves a model whose inputs are not weights as it is: the same bytes', async () => {
    const bytes = await readFile(YOLOX);
    const edited = withConstantInitializers(bytes);
    expect(edited.dropped).toBe(0);
    expect(edited.bytes).toBe(bytes);
  });

  it('throws on bytes that are not a protobuf message', () => {
    expect(() => withConstantInitializers(Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(RangeError);
  });
});

describe('openOnnxModel', () => {
  it('opens a model with weight inputs as a one-input session', async () => {
    const { session, spaceToDepth } = await openOnnxModel(ULTRAFACE);
    expect(session.inputNames).toEqual(['input']);
    expect(spaceToDepth).toBeUndefined();
    await session.release();
  });

  it('leaves a file that is no model to ONNX Runtime, whose error names it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vf-constant-init-'));
    try {
      const path = join(dir, 'not-a-model.onnx');
      await writeFile(path, 'this is text, not an ONNX model');
      await expect(openOnnxModel(path)).rejects.toThrow(/not-a-model\.onnx|protobuf|parse/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
