import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../models/catalogue.js';
import { prepareTensor } from './letterbox.js';
import { openOnnxModel } from './onnx-session.js';
import { SimdResize } from './simd-resize.js';
import { withSpaceToDepthInput } from './space-to-depth-input.js';

const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
const YOLOX = join(SHARED, 'models/yolox-nano.onnx');
const QUIET = { logSeverityLevel: 3, intraOpNumThreads: 1 } as const;

describe('withSpaceToDepthInput', () => {
  it('takes YOLOX’s Focus out of the graph: the same outputs, bit for bit, from the tensor laid out by the resize', async () => {
    const bytes = await readFile(YOLOX);
    const edited = withSpaceToDepthInput(bytes);
    expect(edited.feed?.blocks).toEqual([{ row: 0, col: 0 }, { row: 1, col: 0 }, { row: 0, col: 1 }, { row: 1, col: 1 }]);
    const original = await InferenceSession.create(bytes, QUIET);
    const focusless = await InferenceSession.create(edited.bytes, QUIET);
    expect(focusless.inputNames).toEqual([edited.feed!.name]);
    expect(focusless.inputMetadata[0]).toMatchObject({ isTensor: true, shape: [1, 12, 208, 208] });

    const input = catalogue['yolox-nano'].input;
    const simd = SimdResize.load();
    const folder = join(SHARED, 'images/coco');
    for (const file of (await readdir(folder)).sort().slice(0, 3)) {
      const { data, info } = await sharp(await readFile(join(folder, file))).raw().toBuffer({ resolveWithObject: true });
      const frame = { data, width: info.width, height: info.height, dataWidth: info.width, dataHeight: info.height };
      const chw = prepareTensor(frame, input, undefined, simd);
      const s2d = prepareTensor(frame, input, undefined, simd, edited.feed!.blocks);
      const a = (await original.run({ images: new Tensor('float32', chw.data, chw.dims) }))['output']!.data as Float32Array;
      const b = (await focusless.run({ [edited.feed!.name]: new Tensor('float32', s2d.data, s2d.dims) }))['output']!.data as Float32Array;
      expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
    }
    await Promise.all([original.release(), focusless.release()]);
  });

  it('leaves a model without a Focus as it is: the same bytes', async () => {
    const bytes = await readFile(join(SHARED, 'models/ultraface-rfb-320.onnx'));
    const edited = withSpaceToDepthInput(bytes);
    expect(edited.feed).toBeUndefined();
    expect(edited.bytes).toBe(bytes);
  });

  it('is what openOnnxModel does to yolox-nano', async () => {
    const model = await openOnnxModel(YOLOX);
    expect(model.spaceToDepth?.name).toBe(model.session.inputNames[0]);
    await model.session.release();
  });
});
