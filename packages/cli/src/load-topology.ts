import { access } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isTopology, isVisionFlowError, type Topology } from '@vision-flow/core';
import { importBundled } from './bundle-topology.js';
import { loadErrorMessage } from './load-error-message.js';
import { TopologyBundleCache } from './topology-bundle-cache.js';

/**
 * Loads a topology module (TypeScript bundled by esbuild, or JavaScript) and returns its default export
 * (or its only exported topology). Errors name the file and say what was expected.
 */
export async function loadTopology(file: string): Promise<Topology> {
  const path = resolve(file);
  try {
    await access(path);
  } catch {
    throw new ConfigError(`topology file ${file} does not exist (looked at ${path}); pass the path of a module that does \`export default topology(...)\``, { file });
  }
  let mod: { [name: string]: unknown };
  try {
    mod = ['.ts', '.mts', '.cts', '.tsx'].includes(extname(path))
      ? ((await importBundled(path, TopologyBundleCache.fromEnvironment())) ?? (await importThroughTsx(path)))
      : ((await import(pathToFileURL(path).href)) as { [name: string]: unknown });
  } catch (e) {
    if (isVisionFlowError(e)) throw e; // a TopologyError while building the graph says it best
    throw new ConfigError(`topology file ${file} could not be loaded: ${loadErrorMessage(e)}`, { file }, e);
  }
  const def = unwrapDefault(mod.default);
  if (isTopology(def)) return def;
  const named = Object.values(mod).filter(isTopology);
  if (named.length === 1) return named[0]!;
  throw new ConfigError(
    named.length > 1
      ? `topology file ${file} exports ${named.length} topologies and no default; mark the one to run with \`export default\``
      : `topology file ${file} does not export a topology; expected \`export default topology('name').node(...)\``,
    { file },
  );
}

// tsx may wrap a CommonJS-transpiled default export once more.
function unwrapDefault(x: unknown): unknown {
  return x && typeof x === 'object' && !isTopology(x) && 'default' in x ? (x as { default: unknown }).default : x;
}

/**
 * A TypeScript topology in a folder where its bundle cannot be written (importBundled), through tsx's
 * loader hooks. Registered process-wide (not namespaced) so the topology's imports of @vision-flow/*
 * are the very modules this CLI runs, not second copies.
 */
async function importThroughTsx(path: string): Promise<{ [name: string]: unknown }> {
  await preloadRuntime();
  await registerTypeScript();
  return (await import(pathToFileURL(path).href)) as { [name: string]: unknown };
}

/**
 * What nearly every topology imports, loaded before tsx's hooks are registered: once they are, Node
 * resolves and loads every module of the process through tsx's hooks thread, one round trip each,
 * and the operators' graph (sharp, onnxruntime's API, fastify) alone cost ~0.1–0.15 s of start-up
 * that way (measured on the image pipeline). Loaded here, the topology's imports find them cached.
 */
async function preloadRuntime(): Promise<void> {
  await import('@vision-flow/operators');
}

let registered: Promise<void> | undefined;
function registerTypeScript(): Promise<void> {
  // Both hooks, as the tsx CLI registers them. A .ts file outside a "type": "module" package (a
  // folder without package.json, a CommonJS project) is CommonJS to Node; with the ESM hook alone,
  // Node ≥ 20.19 loads it through require(esm) and fails with "Cannot require() ES Module … in a cycle".
  return (registered ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    esm.register();
    cjs.register();
  }));
}
