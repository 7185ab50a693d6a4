// sharp (libvips, ~0.15 s of start-up CPU) loads on first use: most processes of a topology never
// decode an image (ingest, aggregate, deliver; a detector node decodes in its inference workers).
// Checked in a fresh node process through its memory map, where a loaded libvips shows.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInFreshNode } from '../../../../test/helpers/fresh-node.js';

const MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));

describe('sharp on demand', () => {
  it('importing @vision-flow/operators does not load libvips; decoding an image does', async () => {
    const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    const out = JSON.parse(await runInFreshNode([
      `import { readFileSync } from 'node:fs';`,
      `const libvips = () => readFileSync('/proc/self/maps', 'utf8').includes('libvips');`,
      `const ops = await import(${url('../index.ts')});`,
      `const before = libvips();`,
      `const { decodePixels } = await import(${url('./decode-pixels.ts')});`,
      `const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');`,
      `const px = await decodePixels({ width: 1, height: 1, format: 'gif', orientation: 1, encoded: gif, decoding: { failOn: 'error', ignoreIcc: true, maxPixels: 1e6 } });`,
      `console.log(JSON.stringify({ exports: Object.keys(ops).length, before, after: libvips(), bytes: px.data.length }));`,
    ])) as { exports: number; before: boolean; after: boolean; bytes: number };
    expect(out.exports).toBeGreaterThan(10);
    expect(out.before, 'libvips mapped right after importing the package').toBe(false);
    expect(out.after, 'libvips mapped once an image was decoded').toBe(true);
    expect(out.bytes).toBe(3);
  }, 70_000);

  it('an inference worker that decodes upright JPEGs never loads libvips: libjpeg-turbo decodes them', async () => {
    const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    const photo = fileURLToPath(new URL('../../../../../shared/images/faces/1.jpg', import.meta.url)); // 720×478
    const out = JSON.parse(await runInFreshNode([
      `import { readFileSync } from 'node:fs';`,
      `import { join } from 'node:path';`,
      `const { InferencePool } = await import(${url('./inference-pool.ts')});`,
      `const { catalogue } = await import(${url('../models/catalogue.ts')});`,
      `const yolox = catalogue['yolox-nano'];`,
      `const pool = new InferencePool({ size: 1 });`,
      `const image = { width: 720, height: 478, format: 'jpeg', orientation: 1, encoded: readFileSync(${JSON.stringify(photo)}), decoding: { failOn: 'warning', ignoreIcc: true, maxPixels: 4e7 } };`,
      `const result = await pool.run({ modelPath: join(${JSON.stringify(MODELS)}, yolox.file), model: { input: yolox.input, output: yolox.output }, image, params: { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 100 } });`,
      `const maps = readFileSync('/proc/self/maps', 'utf8');`,
      `await pool.close();`,
      `console.log(JSON.stringify({ detections: result.detections.length, libvips: maps.includes('libvips'), turbojpeg: maps.includes('libturbojpeg') }));`,
    ])) as { detections: number; libvips: boolean; turbojpeg: boolean };
    expect(out.detections).toBeGreaterThan(0);
    expect(out.turbojpeg, 'libjpeg-turbo mapped by the worker').toBe(true);
    expect(out.libvips, 'libvips mapped though no frame needed sharp').toBe(false);
  }, 70_000);
});
