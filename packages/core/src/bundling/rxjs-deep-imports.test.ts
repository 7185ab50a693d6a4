import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedRxjsImports, rxjsDeepImports, rxjsExportMap } from './rxjs-deep-imports.js';

const require = createRequire(import.meta.url);
const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));

describe('rxjsExportMap', () => {
  it.each(['rxjs', 'rxjs/operators'] as const)('maps every value %s exports to the module it takes it from: the very same object', (entry) => {
    const map = rxjsExportMap(entry);
    const index = require(entry) as { [name: string]: unknown };
    expect(Object.keys(index).length).toBeGreaterThan(100);
    for (const name of Object.keys(index)) {
      expect(map.get(name), `${entry} exports ${name}`).toBeDefined();
      expect((require(`rxjs/${map.get(name)!}`) as { [name: string]: unknown })[name], name).toBe(index[name]);
    }
  });
});

describe('namedRxjsImports', () => {
  it('lists the names of plain named imports, by entry, without types and aliases', () => {
    const source = [
      "import { map, type Observable, of as just } from 'rxjs';",
      'import type { OperatorFunction } from "rxjs";',
      "import { filter } from 'rxjs/operators';",
      "import { other } from 'rxjs-like';",
    ].join('\n');
    expect(namedRxjsImports(source)).toEqual(new Map([['rxjs', ['map', 'of', 'OperatorFunction']], ['rxjs/operators', ['filter']]]));
  });

  it('gives up on a module that imports rxjs any other way', () => {
    expect(namedRxjsImports("import { map } from 'rxjs';\nimport * as rx from 'rxjs';")).toBeUndefined();
    expect(namedRxjsImports("export { map } from 'rxjs';")).toBeUndefined();
    expect(namedRxjsImports("const rx = await import('rxjs');")).toBeUndefined();
    expect(namedRxjsImports("import 'rxjs';")).toBeUndefined();
  });
});

describe('rxjsDeepImports', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(PACKAGE, '.rxjs-deep-imports-')); // inside the package, so rxjs resolves
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function bundle(source: string): Promise<string> {
    const file = join(dir, `entry-${Math.random().toString(36).slice(2)}.ts`);
    await writeFile(file, source);
    const out = await build({ entryPoints: [file], bundle: true, packages: 'external', format: 'esm', platform: 'node', write: false, logLevel: 'silent', plugins: [rxjsDeepImports(pathToFileURL(file).href)] });
    return out.outputFiles[0]!.text;
  }

  it('imports the modules a file uses instead of rxjs, and the bundle runs', async () => {
    const text = await bundle([
      "import { lastValueFrom, map, of, type Observable } from 'rxjs';",
      "import { filter } from 'rxjs/operators';",
      'const twice = (o: Observable<number>) => o.pipe(filter((x) => x > 0), map((x) => x * 2));',
      'export const result = lastValueFrom(twice(of(1, 2, 3)));',
    ].join('\n'));
    const imports = [...text.matchAll(/from "(rxjs[^"]*)"/g)].map((m) => m[1]).sort();
    expect(imports).toEqual(['rxjs/internal/lastValueFrom', 'rxjs/internal/observable/of', 'rxjs/internal/operators/filter', 'rxjs/internal/operators/map']);
    const file = join(dir, 'bundle.mjs');
    await writeFile(file, text);
    expect(await ((await import(pathToFileURL(file).href)) as { result: Promise<number> }).result).toBe(6);
  });

  it('leaves a file that imports rxjs as a namespace as it is', async () => {
    const text = await bundle("import * as rx from 'rxjs';\nexport const o = rx.of(1);");
    expect([...text.matchAll(/from "(rxjs[^"]*)"/g)].map((m) => m[1])).toEqual(['rxjs']);
  });
});
