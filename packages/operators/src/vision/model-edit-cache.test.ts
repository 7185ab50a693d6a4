// Edited models saved on disk (model-edit-cache.ts): a later run opens the saved file by path instead
// of editing the model again, and gets the same model; a changed source, a saved file gone, or a
// folder that cannot be written never gives a wrong or failed model.
import { copyFile, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editModel } from './edited-model.js';
import { ModelEditCache } from './model-edit-cache.js';
import { openOnnxModel } from './onnx-session.js';

const YOLOX = fileURLToPath(new URL('../../../../../shared/models/yolox-nano.onnx', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ModelEditCache', () => {
  let dir: string;
  let model: string;
  let cache: ModelEditCache;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-edit-cache-'));
    model = join(dir, 'yolox-nano.onnx');
    await copyFile(YOLOX, model);
    cache = new ModelEditCache(join(dir, 'cache'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const lookup = (c: ModelEditCache) => c.lookup(c.entryFor(model)!);

  /** The background save of a first edit, done. */
  async function saved(): Promise<NonNullable<ReturnType<ModelEditCache['lookup']>>> {
    for (let i = 0; i < 200; i++) {
      const hit = lookup(cache);
      if (hit) return hit;
      await sleep(10);
    }
    throw new Error('the edit was never saved');
  }

  it('saves a first edit, and hands the saved file with the same bytes and feed to the next run', async () => {
    const first = await editModel(model, cache);
    expect(first.bytes, 'the first run edits').toBeDefined();
    expect(first.spaceToDepth).toBeDefined();
    const again = await saved();
    expect(again.bytes, 'a later run reads nothing').toBeUndefined();
    expect(again.spaceToDepth).toEqual(first.spaceToDepth);
    expect(Buffer.from(await readFile(again.file!)).equals(Buffer.from(first.bytes!))).toBe(true);
    expect(await editModel(model, cache)).toEqual(again);
    const opened = await openOnnxModel(model, {}, again);
    expect(opened.spaceToDepth).toEqual(first.spaceToDepth);
    await opened.session.release();
  });

  it('edits again once the source file changed (size or modification time)', async () => {
    await editModel(model, cache);
    await saved();
    const later = new Date(Date.now() + 60_000);
    await utimes(model, later, later);
    expect(lookup(cache), 'a changed source is not looked up').toBeUndefined();
    expect((await editModel(model, cache)).bytes).toBeDefined();
  });

  it('opens the model when the saved file went missing after it was looked up', async () => {
    await editModel(model, cache);
    const hit = await saved();
    await rm(hit.file!);
    const opened = await openOnnxModel(model, {}, hit);
    expect(opened.spaceToDepth).toEqual(hit.spaceToDepth);
    await opened.session.release();
  });

  it('edits every time, without failing, when its folder cannot be made', async () => {
    await writeFile(join(dir, 'blocked'), 'a file where the cache folder would be');
    const blocked = new ModelEditCache(join(dir, 'blocked', 'models'));
    expect((await editModel(model, blocked)).bytes).toBeDefined();
    await sleep(100);
    expect(lookup(blocked)).toBeUndefined();
    expect((await editModel(model, blocked)).bytes).toBeDefined();
  });

  it("drops superseded and deleted models' edits, with their optimised graphs, once ten minutes old", async () => {
    const files = () => readdir(cache.dir).then((names) => names.sort());
    const age = async (names: string[], minutes: number) => {
      const then = new Date(Date.now() - minutes * 60_000);
      for (const n of names) await utimes(join(cache.dir, n), then, then);
    };
    await editModel(model, cache);
    await saved();
    const first = cache.entryFor(model)!.key;
    await writeFile(join(cache.dir, `${first}.optimized-0123456789abcdef.onnx`), 'a graph ONNX Runtime kept');
    const other = join(dir, 'other.onnx');
    const gone = join(dir, 'gone.onnx');
    for (const m of [other, gone]) {
      await copyFile(YOLOX, m);
      await editModel(m, cache);
      for (let i = 0; i < 200 && !cache.lookup(cache.entryFor(m)!); i++) await sleep(10);
    }
    const goneKey = cache.entryFor(gone)!.key;
    await rm(gone);
    await writeFile(join(cache.dir, 'cut-short.onnx.123-abc.tmp'), 'a write cut short');
    await age(await files(), 11);

    const later = new Date(Date.now() + 60_000);
    await utimes(model, later, later);
    const second = cache.entryFor(model)!.key;
    await editModel(model, cache);
    await saved();
    // The save drops old edits in the background, one model's files after another: wait for all of them.
    const dropped = (names: string[]) => !names.some((n) => n.startsWith(first) || n.startsWith(goneKey) || n.endsWith('.tmp'));
    for (let i = 0; i < 200 && !dropped(await files()); i++) await sleep(10);
    const left = await files();
    expect(left.filter((n) => n.startsWith(first)), 'the superseded edit and its graph').toEqual([]);
    expect(left.filter((n) => n.startsWith(goneKey)), 'the edit of a deleted model').toEqual([]);
    expect(left).not.toContain('cut-short.onnx.123-abc.tmp');
    expect(left).toContain(`${second}.json`);
    expect(cache.lookup(cache.entryFor(other)!), "another model's current edit stays, however old").toBeDefined();

    // A superseded edit younger than ten minutes stays: a run may still be opening it.
    const newer = new Date(Date.now() + 120_000);
    await utimes(model, newer, newer);
    await editModel(model, cache);
    await saved();
    await cache.dropSuperseded(cache.entryFor(model)!.key, Date.now());
    expect(await files()).toContain(`${second}.json`);
    await cache.dropSuperseded(cache.entryFor(model)!.key, Date.now() + 11 * 60_000);
    expect(await files()).not.toContain(`${second}.json`);
  });

  it('is off with VF_CACHE_DIR=off, and lives under VF_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(ModelEditCache.fromEnvironment({ VF_CACHE_DIR: 'off' })).toBeUndefined();
    expect(ModelEditCache.fromEnvironment({ VF_CACHE_DIR: '/c' })!.dir).toBe(join('/c', 'models'));
    expect(ModelEditCache.fromEnvironment({ XDG_CACHE_HOME: '/x' })!.dir).toBe(join('/x', 'vision-flow', 'models'));
    expect(ModelEditCache.fromEnvironment({})!.dir).toMatch(/\.cache[/\\]vision-flow[/\\]models$/);
  });
});
