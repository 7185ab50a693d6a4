import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importBundled } from './bundle-topology.js';
import { TopologyBundleCache } from './topology-bundle-cache.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A topology folder (topology.ts importing lib/helper.ts) and a cache of its own. */
async function setUp(): Promise<{ topology: string; helper: string; folder: string; cache: TopologyBundleCache }> {
  const root = await mkdtemp(join(tmpdir(), 'vf-bundle-cache-'));
  dirs.push(root);
  const folder = join(root, 'project');
  await mkdir(join(folder, 'lib'), { recursive: true });
  const topology = join(folder, 'topology.ts');
  const helper = join(folder, 'lib', 'helper.ts');
  await writeFile(topology, "import { answer } from './lib/helper.js';\nexport const value: number = answer;\n");
  await writeFile(helper, 'export const answer: number = 41;\n');
  return { topology, helper, folder, cache: new TopologyBundleCache(join(root, 'cache')) };
}

describe('TopologyBundleCache', () => {
  it('gives back the bundle of an unchanged topology, and none once any of its files changed', async () => {
    const { topology, helper, cache } = await setUp();
    expect(cache.lookup(topology)).toBeUndefined();
    expect(await importBundled(topology, cache)).toEqual(expect.objectContaining({ value: 41 }));
    const saved = cache.lookup(topology);
    expect(saved).toBeDefined();
    expect(await importBundled(topology, cache)).toEqual(expect.objectContaining({ value: 41 }));

    // An edit that keeps the size and the modification time still counts: files count by content.
    const before = await stat(helper);
    await writeFile(helper, 'export const answer: number = 42;\n');
    await utimes(helper, before.atime, before.mtime);
    expect(cache.lookup(topology)).toBeUndefined();
    expect(await importBundled(topology, cache)).toEqual(expect.objectContaining({ value: 42 }));
    expect(Buffer.from(cache.lookup(topology)!).toString()).not.toEqual(Buffer.from(saved!).toString());
  });

  it('builds again when a tsconfig.json or package.json appears in or above a source folder', async () => {
    const { topology, folder, cache } = await setUp();
    await importBundled(topology, cache);
    expect(cache.lookup(topology)).toBeDefined();
    await writeFile(join(folder, 'lib', 'tsconfig.json'), '{}\n');
    expect(cache.lookup(topology)).toBeUndefined();
    await importBundled(topology, cache);
    expect(cache.lookup(topology)).toBeDefined();
    await writeFile(join(folder, '..', 'package.json'), '{ "type": "module" }\n');
    expect(cache.lookup(topology)).toBeUndefined();
  });

  it('never hands out a saved bundle that is damaged or missing', async () => {
    const { topology, cache } = await setUp();
    await importBundled(topology, cache);
    const bundleFile = (await readdir(cache.dir)).find((f) => f.endsWith('.mjs'))!;
    const bytes = await readFile(join(cache.dir, bundleFile));
    await writeFile(join(cache.dir, bundleFile), bytes.subarray(0, bytes.length - 10));
    expect(cache.lookup(topology)).toBeUndefined();
    await rm(join(cache.dir, bundleFile));
    expect(cache.lookup(topology)).toBeUndefined();
    expect(await importBundled(topology, cache)).toEqual(expect.objectContaining({ value: 41 }));
  });

  it('is off with VF_CACHE_DIR=off and lives under the cache folder otherwise', () => {
    expect(TopologyBundleCache.fromEnvironment({ VF_CACHE_DIR: 'off' })).toBeUndefined();
    expect(TopologyBundleCache.fromEnvironment({ VF_CACHE_DIR: '/c' })!.dir).toBe(join('/c', 'topologies'));
    expect(TopologyBundleCache.fromEnvironment({ XDG_CACHE_HOME: '/x' })!.dir).toBe(join('/x', 'vision-flow', 'topologies'));
  });

  it('saves nothing, and still loads the topology, when the cache folder cannot be written', async () => {
    const { topology, folder } = await setUp();
    const blocked = join(folder, 'not-a-folder');
    await writeFile(blocked, 'a file where the cache folder would be\n');
    const cache = new TopologyBundleCache(join(blocked, 'topologies'));
    expect(await importBundled(topology, cache)).toEqual(expect.objectContaining({ value: 41 }));
    expect(cache.lookup(topology)).toBeUndefined();
  });
});

describe('TopologyBundleCache housekeeping', () => {
  it('drops the bundles of topologies that were deleted when it saves another', async () => {
    const first = await setUp();
    const second = await setUp();
    const cache = first.cache;
    await importBundled(first.topology, cache);
    await importBundled(second.topology, cache);
    expect((await readdir(cache.dir)).length).toBe(4);
    await rm(second.folder, { recursive: true });
    await writeFile(first.helper, 'export const answer: number = 43;\n');
    expect(await importBundled(first.topology, cache)).toEqual(expect.objectContaining({ value: 43 }));
    expect((await readdir(cache.dir)).length).toBe(2);
    expect(cache.lookup(first.topology)).toBeDefined();
  });
});
