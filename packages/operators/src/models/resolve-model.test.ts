import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@vision-flow/core';
import { catalogue } from './catalogue.js';
import { modelDirectory, resolveModel } from './resolve-model.js';

const SHARED_MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));

async function failure(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('resolveModel', () => {
  let empty: string;
  const savedEnv = process.env['VF_MODEL_DIR'];
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'vf-models-'));
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env['VF_MODEL_DIR'];
    else process.env['VF_MODEL_DIR'] = savedEnv;
  });
  afterAll(() => rm(empty, { recursive: true, force: true }));

  it('finds and verifies a model and its labels in modelDir', async () => {
    const m = await resolveModel('yolox-nano', { modelDir: SHARED_MODELS });
    expect(m.path).toBe(join(SHARED_MODELS, 'yolox-nano.onnx'));
    expect(m.spec).toBe(catalogue['yolox-nano']);
    expect(m.labels).toHaveLength(80);
    expect(m.labels?.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(await resolveModel('yolox-nano', { modelDir: SHARED_MODELS })).toBe(m); // verified once, then cached
  });

  it("gives COCO's official names where coco-classes.txt has older spellings", async () => {
    const m = await resolveModel('yolox-nano', { modelDir: SHARED_MODELS });
    const official = ['airplane', 'motorcycle', 'couch', 'potted plant', 'dining table', 'tv'];
    for (const name of official) expect(m.labels).toContain(name);
    for (const old of ['aeroplane', 'motorbike', 'sofa', 'pottedplant', 'diningtable', 'tvmonitor']) expect(m.labels).not.toContain(old);
    // The class ids stay where the file puts them.
    expect([m.labels?.[4], m.labels?.[57], m.labels?.[62]]).toEqual(['airplane', 'couch', 'tv']);
    expect(new Set(m.labels).size).toBe(80);
  });

  it('reads the directory given as modelDir, naming where it came from; the environment is never read', async () => {
    process.env['VF_MODEL_DIR'] = empty;
    const m = await resolveModel('ultraface-slim-320', { modelDir: SHARED_MODELS });
    expect(m.path).toBe(join(SHARED_MODELS, 'ultraface-slim-320.onnx'));
    expect(m.labels).toBeUndefined();
    expect(modelDirectory({ modelDir: empty })).toEqual({ dir: empty, from: 'the modelDir option' });
    expect(modelDirectory({ modelDir: empty, from: 'the --models flag' })).toEqual({ dir: empty, from: 'the --models flag' });
  });

  it('defaults to ./models under the working directory, whatever VF_MODEL_DIR says (the CLI reads it)', () => {
    process.env['VF_MODEL_DIR'] = SHARED_MODELS;
    expect(modelDirectory()).toEqual({ dir: resolve('models'), from: 'the default ./models under the working directory' });
  });

  it('lists the known models for an unknown name', async () => {
    const e = await failure(resolveModel('yolo-v99'));
    expect(e.message).toBe('unknown model "yolo-v99"; known models: yolox-nano, ultraface-rfb-320, ultraface-slim-320, ultraface-rfb-640');
  });

  it('names the missing path and how to point at the right directory', async () => {
    const e = await failure(resolveModel('ultraface-rfb-640', { modelDir: empty }));
    expect(e.message).toContain(`file ${join(empty, 'ultraface-rfb-640.onnx')} not found`);
    expect(e.message).toMatch(/give the folder that holds it with --models <dir> or VF_MODEL_DIR \(vision-flow CLI\), or the modelDir option/);
    expect(e.context).toMatchObject({ model: 'ultraface-rfb-640' });
  });

  it('refuses a file whose checksum does not match, then accepts the right file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vf-models-bad-'));
    try {
      await writeFile(join(dir, 'ultraface-rfb-320.onnx'), 'not really a model');
      const e = await failure(resolveModel('ultraface-rfb-320', { modelDir: dir }));
      expect(e.message).toContain(`expected ${catalogue['ultraface-rfb-320'].sha256}`);
      expect(e.message).toContain('download it again from https://github.com/Linzaer/');
      // Failures are not cached: once the file is fixed, it resolves.
      await copyFile(join(SHARED_MODELS, 'ultraface-rfb-320.onnx'), join(dir, 'ultraface-rfb-320.onnx'));
      expect((await resolveModel('ultraface-rfb-320', { modelDir: dir })).path).toBe(join(dir, 'ultraface-rfb-320.onnx'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
