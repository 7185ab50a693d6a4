// A workspace package's entry points as ES module bundles in its dist/bundle/, what its exports map
// gives Node: node ../../scripts/bundle-package.mjs NAME=dist-relative-entry.js ... (run in the package).
// tsc compiles src/ to one module per file (@vision-flow/core: ~190); Node's ES module loader then
// resolves, reads and links each one at every process start: @vision-flow/core took 65-73 ms to
// import that way on the 2-core machines here, 12-13 ms as a bundle. The entries share their code
// through esbuild's chunks, so e.g. `@vision-flow/core` and `@vision-flow/core/testing` see the very
// same classes and symbols. Packages stay imports (Node resolves them as before); tsc's source maps
// are followed back to src/. dist/bundle/ is as deep as dist/vision/, so URLs made relative to a
// module (`new URL('../../wasm/resize.wasm', import.meta.url)`) still point where they did.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
// Compiled by @vision-flow/core's tsc, which runs before any package's bundle step (core builds first).
import { rxjsDeepImports } from '../packages/core/dist/bundling/rxjs-deep-imports.js';

const entryPoints = Object.fromEntries(process.argv.slice(2).map((a) => [a.slice(0, a.indexOf('=')), `dist/${a.slice(a.indexOf('=') + 1)}`]));
if (Object.keys(entryPoints).length === 0) throw new Error('usage: node scripts/bundle-package.mjs NAME=dist-relative-entry.js ...');
rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // `from 'rxjs'` becomes imports of the rxjs modules a bundle uses, not of rxjs's whole index.
  plugins: [rxjsDeepImports(pathToFileURL(`${process.cwd()}/package.json`).href)],
});
