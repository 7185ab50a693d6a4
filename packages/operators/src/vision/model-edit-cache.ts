import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheDir, writeWhole } from '@vision-flow/core/cache-dir';
import type { EditedModel } from './edited-model.js';

/**
 * Bump when a graph edit (constant-initializers.ts, space-to-depth-input.ts) changes what it
 * writes: edits saved by an older version are then made again.
 */
const EDITS_VERSION = 1;

/**
 * How long a superseded edit stays before a save drops it: a run that looked it up just before its
 * source changed may still be opening it (Kafka Streams keeps unused state folders for its
 * `state.cleanup.delay.ms`, 10 minutes, for the same reason).
 */
const SUPERSEDED_KEPT_MS = 10 * 60_000;

/** A model file as it was when looked at, and where its edit is saved. */
export interface CacheEntry {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly key: string;
}

/** What `<key>.json` holds beside the edited model `<key>.onnx`. */
interface SavedEdit {
  readonly version: number;
  readonly source: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** False when no edit applied: the original file is opened as it is. */
  readonly edited: boolean;
  readonly spaceToDepth?: EditedModel['spaceToDepth'];
}

/**
 * Model files as edited (edited-model.ts), saved on disk by source file, size and modification
 * time: a run opens the saved file by path instead of reading, parsing and editing the model again
 * on its main thread (~100 ms for the image pipeline's two models, at start, before the first
 * result). Under `$VF_CACHE_DIR/models`, else `$XDG_CACHE_HOME/vision-flow/models`, else
 * `~/.cache/vision-flow/models`; `VF_CACHE_DIR=off` turns it off. A folder that cannot be written
 * only means every run edits again. Looking up is synchronous (a stat, a small JSON file, a stat):
 * at a run's start this thread is busy reading the first images, and each asynchronous step waited
 * behind that work while the workers sat ready with nothing to open. Each save drops the edits
 * (and their optimised graphs, optimized-models.ts) of sources changed or deleted since, so the
 * folder holds one generation per model file rather than one per modification time.
 */
export class ModelEditCache {
  constructor(readonly dir: string) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ModelEditCache | undefined {
    const dir = cacheDir('models', env);
    return dir === undefined ? undefined : new ModelEditCache(dir);
  }

  /**
   * `path` as it is now, undefined if it cannot be read. Taken before the model is read, so an edit
   * of a file changed meanwhile is saved under its older size and time, and never handed out for the newer.
   */
  entryFor(path: string): CacheEntry | undefined {
    try {
      const abs = resolve(path);
      const s = statSync(abs);
      const key = createHash('sha256').update(JSON.stringify([EDITS_VERSION, abs, s.size, s.mtimeMs])).digest('hex').slice(0, 32);
      return { path: abs, size: s.size, mtimeMs: s.mtimeMs, key };
    } catch {
      return undefined;
    }
  }

  /** The saved edit of `entry`, or undefined (none, stale, or unreadable). */
  lookup(entry: CacheEntry): EditedModel | undefined {
    try {
      const saved = JSON.parse(readFileSync(join(this.dir, `${entry.key}.json`), 'utf8')) as SavedEdit;
      if (saved.version !== EDITS_VERSION || saved.source !== entry.path || saved.size !== entry.size || saved.mtimeMs !== entry.mtimeMs) return undefined;
      if (!saved.edited) return {};
      const file = join(this.dir, `${entry.key}.onnx`);
      statSync(file);
      return { file, ...(saved.spaceToDepth ? { spaceToDepth: saved.spaceToDepth } : {}) };
    } catch {
      return undefined;
    }
  }

  /** Saves `edited`, the edit of `entry`; the model first, its description last, each written whole (rename). */
  async save(entry: CacheEntry, edited: EditedModel): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      if (edited.bytes) await writeWhole(join(this.dir, `${entry.key}.onnx`), edited.bytes);
      const saved: SavedEdit = { version: EDITS_VERSION, source: entry.path, size: entry.size, mtimeMs: entry.mtimeMs, edited: edited.bytes !== undefined, ...(edited.spaceToDepth ? { spaceToDepth: edited.spaceToDepth } : {}) };
      await writeWhole(join(this.dir, `${entry.key}.json`), JSON.stringify(saved));
      await this.dropSuperseded(entry.key, Date.now());
    } catch {
      // a read-only or full disk: the next run edits again
    }
  }

  /**
   * Removes every saved edit other than `kept` whose source file is gone or no longer has the size
   * and time it was edited at, with its edited model and every optimised graph of it; and files no
   * description names (a write cut short). Only once `SUPERSEDED_KEPT_MS` old.
   */
  async dropSuperseded(kept: string, now: number): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const name of await readdir(this.dir)) {
      const dot = name.indexOf('.');
      const key = dot < 0 ? name : name.slice(0, dot);
      if (key !== kept) byKey.set(key, [...(byKey.get(key) ?? []), name]);
    }
    for (const [key, names] of byKey) {
      const written = await Promise.all(names.map(async (n) => (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0));
      if (written.some((mtimeMs) => now - mtimeMs < SUPERSEDED_KEPT_MS)) continue;
      if (names.includes(`${key}.json`) && (await this.stillCurrent(key))) continue;
      // The description first: a lookup never finds one whose model is gone.
      for (const name of names.sort((a, b) => Number(b.endsWith('.json')) - Number(a.endsWith('.json')))) await rm(join(this.dir, name), { force: true });
    }
  }

  /** Whether the edit saved as `key` is the one its source file would be looked up by now. */
  private async stillCurrent(key: string): Promise<boolean> {
    try {
      const saved = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as SavedEdit;
      return this.entryFor(saved.source)?.key === key;
    } catch {
      return false; // unreadable: a lookup would never use it either
    }
  }
}
