import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@vision-flow/core';
import { catalogue, isModelName, modelNames, type ModelName, type ModelSpec } from './catalogue.js';

export interface ResolveModelOptions {
  /** Directory holding the model files; else `./models` under the working directory. */
  readonly modelDir?: string | undefined;
  /** Where `modelDir` came from, for error messages (default "the modelDir option"). */
  readonly from?: string | undefined;
}

/** A catalogue entry whose file was found and verified. Plain data: it can be posted to a worker. */
export interface ResolvedModel {
  readonly spec: ModelSpec;
  /** Absolute path of the verified model file. */
  readonly path: string;
  /** Class names by class id (after the catalogue's renames), for models that have a labels file. */
  readonly labels: readonly string[] | undefined;
}

/** The directory models are read from, and where that choice came from (for error messages). */
export function modelDirectory(opts: ResolveModelOptions = {}): { dir: string; from: string } {
  if (opts.modelDir) return { dir: resolve(opts.modelDir), from: opts.from ?? 'the modelDir option' };
  return { dir: resolve('models'), from: 'the default ./models under the working directory' };
}

/**
 * Verified models by absolute file path, shared by every run in the process (a file's checksum does
 * not depend on who asks); only successes are kept, so a fixed file is found on the next call.
 */
const verified = new Map<string, ResolvedModel>();

/**
 * Finds a catalogue model in the model directory and checks its SHA-256 (once per process and file).
 * Throws ConfigError for an unknown name, a missing file or a checksum mismatch.
 *
 * @example
 * const yolox = await resolveModel('yolox-nano', { modelDir: '../shared/models' });
 */
export async function resolveModel(name: string, opts: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const spec = modelSpec(name);
  const { dir, from } = modelDirectory(opts);
  const path = resolve(dir, spec.file);
  let found = verified.get(path);
  if (!found) {
    found = verify(spec, dir, from, path);
    verified.set(path, found);
  }
  return found;
}

/** The catalogue entry for a name; ConfigError listing the known names otherwise. */
export function modelSpec(name: string): ModelSpec {
  if (!isModelName(name)) {
    throw new ConfigError(`unknown model "${name}"; known models: ${modelNames.join(', ')}`, { model: name });
  }
  return catalogue[name as ModelName];
}

/**
 * Synchronous, once per model file and process: a detector node's first record waited ~40 ms for
 * the asynchronous stat, read and labels steps, each queued behind the run's source reading its first
 * ~100 images on the same thread (`performance.now()` at the first fetch and the first inference
 * request: 304 and 347 ms, 96 images read in between). The image pipeline's two models read and
 * hash in ~5 ms.
 */
function verify(spec: ModelSpec, dir: string, from: string, path: string): ResolvedModel {
  checkFile(spec.name, path, spec.sha256, dir, from, spec.upstream);
  let labels: string[] | undefined;
  if (spec.labels) {
    const labelsPath = resolve(dir, spec.labels.file);
    const text = checkFile(spec.name, labelsPath, spec.labels.sha256, dir, from, spec.upstream).toString('utf8');
    const rename = spec.labels.rename ?? {};
    labels = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => rename[l] ?? l);
  }
  return Object.freeze({ spec, path, labels });
}

/** The file's bytes, once its SHA-256 is the one expected. */
function checkFile(model: string, path: string, expected: string, dir: string, from: string, upstream: string): Buffer {
  const bytes = statSync(path, { throwIfNoEntry: false })?.isFile() ? readFileSync(path) : undefined;
  if (!bytes) {
    throw new ConfigError(
      `model "${model}": file ${path} not found (model directory ${dir}, from ${from}); give the folder that holds it with --models <dir> or VF_MODEL_DIR (vision-flow CLI), or the modelDir option (upstream: ${upstream})`,
      { model, path },
    );
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new ConfigError(
      `model "${model}": ${path} has SHA-256 ${actual}, expected ${expected}; the file is damaged or a different version, download it again from ${upstream}`,
      { model, path, expected, actual },
    );
  }
  return bytes;
}
