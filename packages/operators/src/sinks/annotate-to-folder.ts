import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mergeMap, type OperatorFunction } from 'rxjs';
import { describeParam, isParam, resolveParam, withContext, type ParamOr, type Rec } from '@vision-flow/core';
import { annotateImage, type Annotations } from '../vision/annotate-image.js';

/** What annotation needs of a result: its id, the original image's path, and what was found. */
export interface AnnotatableResult extends Annotations {
  readonly id: string;
  readonly source: string | null;
}

export interface AnnotateToFolderOptions {
  /** Folder for the pictures; `null` or empty turns the step off. Often `param('annotate', { default: null })`. */
  readonly dir: ParamOr<string | null>;
  readonly format?: 'png' | 'jpeg';
}

/**
 * Draws each result's boxes and labels on its original image (read from `value.source`) and
 * writes `<dir>/<id>.<png|jpg>`, so a person can look at what the pipeline found. Results
 * without a readable source file pass through untouched; the record is passed on either way.
 *
 * When to use: in a deliver node, to check a model on real images.
 */
export function annotateToFolder<K, V extends AnnotatableResult>(opts: AnnotateToFolderOptions): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  const format = opts.format ?? 'jpeg';
  return withContext(`annotateToFolder(${isParam(opts.dir) ? describeParam(opts.dir) : JSON.stringify(opts.dir)})`, (ctx) => {
    const dir = resolveParam(opts.dir, ctx.params, 'annotateToFolder "dir"');
    // Made on the first record, so a node that never delivers leaves no empty folder.
    let folder: Promise<string | null> | undefined;
    const target = () =>
      (folder ??= (async () => {
        if (!dir) return null;
        const abs = resolve(dir);
        await mkdir(abs, { recursive: true });
        return abs;
      })());
    return (source) =>
      source.pipe(
        mergeMap(async (rec) => {
          const out = await target();
          const { id, source: file, objects, faces } = rec.value;
          if (!out || !file) return rec;
          const picture = await annotateImage(file, { objects, faces }, { format });
          await writeFile(join(out, `${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.${format === 'png' ? 'png' : 'jpg'}`), picture);
          return rec;
        }, 2),
      );
  });
}
