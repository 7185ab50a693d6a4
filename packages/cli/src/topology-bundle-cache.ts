import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheDir, writeWhole } from '@vision-flow/core/cache-dir';

/** Bump when bundle-topology.ts changes what it writes for the same files: older bundles are then built again. */
const BUNDLE_VERSION = 1;

/** A file a bundle was built from, by the digest of what it held then ("absent" for one that did not exist). */
export interface BundleInput {
  readonly path: string;
  readonly digest: string;
}

/** What `<key>.json` holds beside the bundle `<key>.mjs`. */
interface Manifest {
  readonly version: number;
  readonly topology: string;
  readonly node: string;
  readonly inputs: readonly BundleInput[];
  readonly bundle: string;
}

/** Configuration esbuild reads from a source's folder and every folder above it. */
const FOLDER_CONFIG = ['tsconfig.json', 'jsconfig.json', 'package.json'] as const;

/**
 * Bundled topologies (bundle-topology.ts) saved by the content of every file they were built from:
 * a later run of an unchanged topology imports the saved bundle instead of starting esbuild
 * (~30 ms of its process and the wait for it, at the start of every `vision-flow run`, `graph`,
 * `schemas`…). A file counts by its digest, not its time: an edit, a `git checkout` or a copy with
 * an older time all mean a new build. Besides the sources, the inputs are the esbuild and rxjs
 * packages and every tsconfig.json, jsconfig.json and package.json in a source's folder or above,
 * present or not (one created later counts as a change). Not covered: a change in a file a
 * tsconfig.json `extends` from elsewhere; `VF_CACHE_DIR=off` then builds every time.
 *
 * Under `$VF_CACHE_DIR/topologies` (see cache-dir.ts). A folder that cannot be written only means
 * every run builds.
 */
export class TopologyBundleCache {
  constructor(readonly dir: string) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): TopologyBundleCache | undefined {
    const dir = cacheDir('topologies', env);
    return dir === undefined ? undefined : new TopologyBundleCache(dir);
  }

  /** The bundle saved for `topology` (an absolute path) if every file it was built from reads the same now. */
  lookup(topology: string): Uint8Array | undefined {
    try {
      const key = keyOf(topology);
      const manifest = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as Manifest;
      if (manifest.version !== BUNDLE_VERSION || manifest.topology !== topology || manifest.node !== process.versions.node) return undefined;
      if (manifest.inputs.some((i) => fileDigest(i.path) !== i.digest)) return undefined;
      const bundle = readFileSync(join(this.dir, `${key}.mjs`));
      return digest(bundle) === manifest.bundle ? bundle : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Saves `bundle`, built from `sources` as they were read for the build (their digests then, so a
   * file edited during the build is found changed next time); the other inputs are read now.
   */
  async save(topology: string, sources: readonly BundleInput[], bundle: Uint8Array): Promise<void> {
    try {
      const inputs = [...sources, ...toolInputs(topology, sources)];
      const key = keyOf(topology);
      await mkdir(this.dir, { recursive: true });
      await writeWhole(join(this.dir, `${key}.mjs`), bundle);
      const manifest: Manifest = { version: BUNDLE_VERSION, topology, node: process.versions.node, inputs, bundle: digest(bundle) };
      await writeWhole(join(this.dir, `${key}.json`), JSON.stringify(manifest));
      await this.forgetRemoved();
    } catch {
      // a read-only or full disk: the next run builds again
    }
  }

  /** Drops the bundles of topologies that no longer exist (a test's temporary folder, a deleted project). */
  private async forgetRemoved(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -'.json'.length);
      let topology: string | undefined;
      try {
        topology = (JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Partial<Manifest>).topology;
      } catch {
        topology = undefined; // being written, or damaged: lookups ignore it either way
      }
      if (topology !== undefined && fileDigest(topology) === 'absent') await Promise.all([rm(join(this.dir, name), { force: true }), rm(join(this.dir, `${key}.mjs`), { force: true })]);
    }
  }
}

/** The digest of a source as read for a build. */
export function sourceInput(path: string, contents: string | Uint8Array): BundleInput {
  return { path, digest: digest(contents) };
}

/**
 * Besides the sources, what decides what esbuild writes: esbuild as this CLI loads it, the rxjs the
 * topology imports (its index decides rxjs-deep-imports.ts's mapping), and the folder configuration
 * of every source.
 */
function toolInputs(topology: string, sources: readonly BundleInput[]): BundleInput[] {
  const paths = new Set<string>();
  for (const [from, pkg] of [[import.meta.url, 'esbuild/package.json'], [topology, 'rxjs/package.json']] as const) {
    try {
      paths.add(createRequire(from).resolve(pkg));
    } catch {
      // not installed there: the next build finds it missing too
    }
  }
  for (const source of sources) {
    for (let folder = dirname(source.path); ; folder = dirname(folder)) {
      for (const name of FOLDER_CONFIG) paths.add(join(folder, name));
      if (dirname(folder) === folder) break;
    }
  }
  const sourcePaths = new Set(sources.map((s) => s.path));
  return [...paths].filter((p) => !sourcePaths.has(p)).map((path) => ({ path, digest: fileDigest(path) }));
}

function keyOf(topology: string): string {
  return digest(JSON.stringify([BUNDLE_VERSION, topology, process.versions.node])).slice(0, 32);
}

function fileDigest(path: string): string {
  try {
    return digest(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'absent';
    throw e;
  }
}

function digest(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
