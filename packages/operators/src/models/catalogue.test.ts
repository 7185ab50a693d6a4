import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogue, isModelName, modelNames } from './catalogue.js';

const SHARED_MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));

describe('catalogue', () => {
  it('lists the four models', () => {
    expect(modelNames).toEqual(['yolox-nano', 'ultraface-rfb-320', 'ultraface-slim-320', 'ultraface-rfb-640']);
    expect(isModelName('yolox-nano')).toBe(true);
    expect(isModelName('toString')).toBe(false);
  });

  it.each(modelNames)('has the SHA-256 of the shared %s file', async (name) => {
    const spec = catalogue[name];
    const bytes = await readFile(join(SHARED_MODELS, spec.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(spec.sha256);
  });

  it('has the checksum of the COCO labels, 80 names', async () => {
    const labels = catalogue['yolox-nano'].labels!;
    const bytes = await readFile(join(SHARED_MODELS, labels.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(labels.sha256);
    expect(bytes.toString('utf8').trim().split('\n')).toHaveLength(80);
  });

  it('has YOLOX output rows that are the grid cells of its strides', () => {
    const { input, output } = catalogue['yolox-nano'];
    if (output.kind !== 'yolox') throw new Error('yolox-nano must have a yolox output');
    const side = input.shape[3];
    expect(output.strides.reduce((n, s) => n + (side / s) ** 2, 0)).toBe(output.shape[1]); // 52² + 26² + 13² = 3549
    expect(output.shape[2]).toBe(5 + output.classes);
  });

  it('points at the official upstream projects with their licences', () => {
    expect(catalogue['yolox-nano'].upstream).toMatch(/^https:\/\/github\.com\/Megvii-BaseDetection\/YOLOX\/releases\//);
    expect(catalogue['yolox-nano'].licence.spdx).toBe('Apache-2.0');
    for (const name of ['ultraface-rfb-320', 'ultraface-slim-320', 'ultraface-rfb-640'] as const) {
      expect(catalogue[name].upstream).toMatch(/^https:\/\/github\.com\/Linzaer\/Ultra-Light-Fast-Generic-Face-Detector-1MB\//);
      expect(catalogue[name].licence.spdx).toBe('MIT');
    }
  });

  // Error messages say "download it again from <upstream>": that must give the file, not an HTML page.
  it.each(modelNames)('gives a direct download URL for %s, not a GitHub /blob/ page', (name) => {
    const { upstream, file } = catalogue[name];
    expect(upstream).not.toContain('/blob/');
    expect(upstream).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(raw\/[\w.-]+|releases\/download\/[\w.-]+)\/([\w.-]+\/)*[\w.-]+\.onnx$/);
    expect(file).toMatch(/\.onnx$/);
  });
});
