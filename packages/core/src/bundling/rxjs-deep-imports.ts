// Imports nothing but node: used by the repository's package bundler (scripts/bundle-package.mjs)
// and by the CLI's topology bundler, neither of which loads the runtime for it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The parts of esbuild's plugin API this plugin uses (no dependency on esbuild's types here). */
export interface PluginBuildLike {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string; importer: string }) => { path: string; namespace?: string; external?: boolean; sideEffects?: boolean } | undefined): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => { contents: string; loader: 'js'; resolveDir: string } | undefined): void;
}

/** Where rxjs's index (and `rxjs/operators`) take each export from: `Observable` → `internal/Observable`. */
export type RxjsExportMap = ReadonlyMap<string, string>;

const ENTRIES = { rxjs: 'esm/index.js', 'rxjs/operators': 'esm/operators/index.js' } as const;

/**
 * The export → module map of rxjs's own ES index files (`export { map } from './internal/operators/map'`),
 * read from the installed rxjs. Empty for an rxjs laid out otherwise: the plugin then leaves imports alone.
 */
export function rxjsExportMap(entry: keyof typeof ENTRIES, from: string = import.meta.url): RxjsExportMap {
  const map = new Map<string, string>();
  try {
    const dist = dirname(dirname(createRequire(from).resolve('rxjs'))); // …/rxjs/dist (from dist/cjs/index.js)
    const source = readFileSync(join(dist, ENTRIES[entry]), 'utf8');
    for (const [, names, path] of source.matchAll(/^export \{ ([^}]+) \} from '(?:\.\/|\.\.\/)internal\/([^']+)';$/gm)) {
      for (const name of names!.split(',').map((n) => n.trim())) map.set(name, `internal/${path}`);
    }
  } catch {
    map.clear();
  }
  return map;
}

/**
 * The names a module imports from `rxjs` or `rxjs/operators`, by entry, when every mention of rxjs in
 * it is a plain named import (`import { map, type Observable } from 'rxjs'`); undefined otherwise
 * (a namespace import, a re-export, a dynamic import), which the plugin then leaves alone.
 */
export function namedRxjsImports(source: string): Map<string, string[]> | undefined {
  const byEntry = new Map<string, string[]>();
  let plain = 0;
  for (const [, names, entry] of source.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"](rxjs(?:\/operators)?)['"]/g)) {
    plain++;
    const list = byEntry.get(entry!) ?? [];
    for (const spec of names!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '))) list.push(spec.split(/\s+as\s+/)[0]!);
    byEntry.set(entry!, list);
  }
  const mentions = source.match(/['"]rxjs(?:\/[^'"]*)?['"]/g)?.length ?? 0;
  return mentions === plain ? byEntry : undefined;
}

/**
 * An esbuild plugin that turns `import { map, Subject } from 'rxjs'` into imports of the modules
 * that define them (`rxjs/internal/operators/map`, `rxjs/internal/Subject`), which rxjs exports for
 * this. Node then loads only those (and what they need) instead of rxjs's CommonJS index, which
 * loads all of its 223 modules: ~70 modules and 20–27 ms for the runtime's and the image pipeline's
 * imports, against 48–80 ms (one cold process each, this machine), at the start of every process.
 * The modules are the index's own, so classes and symbols stay one and the same whoever imports
 * rxjs by its index.
 *
 * Each importing module gets a stand-in for rxjs re-exporting only the names it imports: a stand-in
 * for all of rxjs's 167 exports cost one call from esbuild into this process per export (~20 ms of
 * the CLI's start). A module whose imports of rxjs are not all plain named imports keeps them.
 */
export function rxjsDeepImports(from: string = import.meta.url): { name: string; setup(build: PluginBuildLike): void } {
  return {
    name: 'vision-flow-rxjs-deep-imports',
    setup(build) {
      const maps = new Map(Object.keys(ENTRIES).map((e) => [e, rxjsExportMap(e as keyof typeof ENTRIES, from)] as const));
      if ([...maps.values()].some((m) => m.size === 0)) return;
      const wanted = new Map<string, string[]>(); // stand-in path → the names it re-exports
      build.onResolve({ filter: /^rxjs(\/operators)?$/ }, (args) => {
        const importer = args.importer;
        let names: string[] | undefined;
        try {
          names = importer ? namedRxjsImports(readFileSync(importer, 'utf8'))?.get(args.path) : undefined;
        } catch {
          names = undefined;
        }
        if (!names) return undefined;
        // Every value rxjs exports is in its map; a name that is not is a type, which esbuild drops.
        const map = maps.get(args.path)!;
        const path = `${args.path}#${wanted.size + 1}`; // one stand-in per importer; no file extension other plugins' loaders would match
        wanted.set(path, names.filter((n) => map.has(n)));
        return { path, namespace: 'rxjs-deep-imports', sideEffects: false };
      });
      build.onLoad({ filter: /.*/, namespace: 'rxjs-deep-imports' }, (args) => {
        const entry = args.path.slice(0, args.path.indexOf('#'));
        const map = maps.get(entry)!;
        const lines = wanted.get(args.path)!.map((name) => `export { ${name} } from 'rxjs/${map.get(name)!}';`);
        return { contents: lines.join('\n'), loader: 'js', resolveDir: process.cwd() };
      });
    },
  };
}
