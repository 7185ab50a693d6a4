import { readFile } from 'node:fs/promises';
import type { CacheEntry, ModelEditCache } from './model-edit-cache.js';
import type { SpaceToDepthBlocks } from './tensor-layout.js';

/**
 * A model file after the graph edits that keep its results: its weights treated as constants even
 * where the export also declared them as graph inputs (constant-initializers.ts), and a YOLOX Focus
 * layer left to the tensor preparation (space-to-depth-input.ts). Plain data: the inference pool
 * makes it once per model on the caller's thread and posts it to each worker.
 */
export interface EditedModel {
  /** The model to open; absent when no edit applied (or the file is no model): ONNX Runtime opens the path. */
  readonly bytes?: Uint8Array;
  /** The edited model as saved by an earlier run (model-edit-cache.ts): open this file instead of the path. */
  readonly file?: string;
  /** Set when the Focus layer was taken out of the graph: feed this tensor, in space-to-depth layout. */
  readonly spaceToDepth?: { readonly name: string; readonly blocks: SpaceToDepthBlocks };
}

/**
 * The edit of `path`, from `cache` when an earlier run saved it, else made now (and saved there in
 * the background). Callers pass `ModelEditCache.fromEnvironment()`, or undefined for none.
 */
export function editModel(path: string, cache: ModelEditCache | undefined): Promise<EditedModel> {
  const entry = cache?.entryFor(path);
  const saved = entry && cache!.lookup(entry);
  return saved ? Promise.resolve(saved) : editAndSave(path, entry && { cache: cache!, entry });
}

async function editAndSave(path: string, saveTo: { cache: ModelEditCache; entry: CacheEntry } | undefined): Promise<EditedModel> {
  const edited = await editNow(path);
  if (!edited) return {}; // unreadable or not a protobuf: ONNX Runtime's own error, opening the path, names the problem
  if (saveTo) void saveTo.cache.save(saveTo.entry, edited);
  return edited;
}

async function editNow(path: string): Promise<EditedModel | undefined> {
  try {
    // The edits, and protobufjs with them, load only when a model is edited: not in a run whose
    // edits are all saved (~30 module files, ~5–10 ms of the main thread at start).
    const [{ withConstantInitializers }, { withSpaceToDepthInput }] = await Promise.all([import('./constant-initializers.js'), import('./space-to-depth-input.js')]);
    const constants = withConstantInitializers(await readFile(path));
    const focus = withSpaceToDepthInput(constants.bytes);
    if (constants.dropped === 0 && !focus.feed) return {};
    return { bytes: focus.bytes, ...(focus.feed ? { spaceToDepth: focus.feed } : {}) };
  } catch {
    return undefined;
  }
}
