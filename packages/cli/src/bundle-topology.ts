import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, Plugin } from 'esbuild';
import { rxjsDeepImports } from '@vision-flow/core/rxjs-deep-imports';
import { sourceInput, type BundleInput, type TopologyBundleCache } from './topology-bundle-cache.js';

/**
 * Imports a TypeScript topology compiled by esbuild into one ES module written beside it (its own
 * files bundled in, every package left to Node), then removes that file: Vite loads vite.config.ts
 * the same way. Beside it, so each package import resolves from where the topology is, to the very
 * modules the CLI runs. Measured on the image pipeline: ~45 ms, against ~110 ms through tsx's
 * loader hooks, which start a thread of their own (a second V8 isolate, kept for the whole run)
 * and route every later import of the process through it. A topology whose files are unchanged
 * since an earlier build takes that bundle from `cache` (topology-bundle-cache.ts) without starting
 * esbuild at all.
 *
 * Returns undefined when the folder is not writable (a read-only mount): the caller loads the file
 * another way. A syntax error rejects with esbuild's "Build failed with N errors" message.
 */
export async function importBundled(path: string, cache: TopologyBundleCache | undefined): Promise<{ [name: string]: unknown } | undefined> {
  const bundle = cache?.lookup(path) ?? (await build(path, cache));
  const out = join(dirname(path), `.${basename(path)}.vision-flow-${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  try {
    await writeFile(out, bundle, { flag: 'wx' });
  } catch {
    return undefined;
  }
  try {
    return (await import(pathToFileURL(out).href)) as { [name: string]: unknown };
  } finally {
    await rm(out, { force: true });
  }
}

/** esbuild's bundle of `path`, saved in `cache` with the sources as they were read for it. */
async function build(path: string, cache: TopologyBundleCache | undefined): Promise<Uint8Array> {
  // required, not imported: Node's ES loader would first scan esbuild's 2,500-line CommonJS file for
  // its exports (20-25 ms against 7-8).
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const sources: BundleInput[] = [];
  const result = await esbuild
    .build({
      absWorkingDir: dirname(path),
      entryPoints: [path],
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      write: false,
      metafile: true,
      sourcemap: 'inline',
      logLevel: 'silent',
      // A module's import.meta is its own file's, as if it ran unbundled (see originalImportMeta).
      define: { 'import.meta.url': IMPORT_META.url, 'import.meta.dirname': IMPORT_META.dirname, 'import.meta.filename': IMPORT_META.filename },
      // `from 'rxjs'` becomes imports of the rxjs modules the topology uses (rxjs-deep-imports.ts),
      // mapped by the rxjs it resolves.
      plugins: [originalImportMeta(sources), rxjsDeepImports(pathToFileURL(path).href)],
    })
    .catch((e: unknown) => Promise.reject(withAbsolutePaths(e, dirname(path))));
  const bundle = result.outputFiles![0]!.contents;
  // Files esbuild loaded itself (JSON, text): read after the build.
  const read = new Set(sources.map((s) => s.path));
  for (const input of Object.keys(result.metafile!.inputs)) {
    const file = resolve(dirname(path), input);
    if (!input.includes(':') && !read.has(file)) sources.push(sourceInput(file, await readFile(file)));
  }
  await cache?.save(path, sources, bundle);
  return bundle;
}

/** esbuild names files relative to its working folder: errors here name them in full, as tsx's did. */
function withAbsolutePaths(e: unknown, folder: string): unknown {
  const errors = (e as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return e;
  const lines = errors.map((m) => `${m.location ? `${resolve(folder, m.location.file)}:${m.location.line}:${m.location.column}: ` : ''}ERROR: ${m.text}`);
  return new Error(`Build failed with ${errors.length} error${errors.length > 1 ? 's' : ''}:\n${lines.join('\n')}`, { cause: e });
}

const IMPORT_META = { url: '__vfImportMetaUrl', dirname: '__vfImportMetaDirname', filename: '__vfImportMetaFilename' } as const;

const LOADERS: Readonly<Record<string, Loader>> = { ts: 'ts', mts: 'ts', cts: 'ts', tsx: 'tsx', js: 'js', mjs: 'js', cjs: 'js', jsx: 'jsx' };

/**
 * Each of the topology's own source files starts by naming its own path, for the `define`s above:
 * on its first line (after a `#!` line), so that every line keeps its number in errors.
 */
function originalImportMeta(sources: BundleInput[]): Plugin {
  return {
    name: 'vision-flow-original-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const loader = LOADERS[args.path.slice(args.path.lastIndexOf('.') + 1)] ?? 'ts';
        const names = `const ${IMPORT_META.url} = ${JSON.stringify(pathToFileURL(args.path).href)}, ${IMPORT_META.dirname} = ${JSON.stringify(dirname(args.path))}, ${IMPORT_META.filename} = ${JSON.stringify(args.path)}; `;
        const source = await readFile(args.path, 'utf8');
        sources.push(sourceInput(args.path, source)); // what this build saw, for the bundle cache
        const hashbang = source.startsWith('#!') ? source.indexOf('\n') + 1 : 0;
        return { contents: hashbang > 0 ? source.slice(0, hashbang) + names + source.slice(hashbang) : names + source, loader };
      });
    },
  };
}
