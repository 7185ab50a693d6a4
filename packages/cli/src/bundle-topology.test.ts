import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { importBundled } from './bundle-topology.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    spawnSync('chattr', ['-i', d]);
    await chmod(d, 0o755);
    await rm(d, { recursive: true, force: true });
  }
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vf-bundle-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

describe('importBundled', () => {
  it("gives each bundled file its own import.meta, and leaves the folder as it was", async () => {
    const dir = await folder({
      'topology.ts': [
        "import { here as helperHere, folder as helperFolder } from './lib/helper.js';",
        'export const here: string = import.meta.url;',
        'export const file: string = import.meta.filename;',
        'export const helper = { here: helperHere, folder: helperFolder };',
      ].join('\n'),
      'lib/helper.ts': 'export const here: string = import.meta.url;\nexport const folder: string = import.meta.dirname;\n',
    });
    const mod = await importBundled(join(dir, 'topology.ts'), undefined);
    expect(mod).toEqual(
      expect.objectContaining({
        here: pathToFileURL(join(dir, 'topology.ts')).href,
        file: join(dir, 'topology.ts'),
        helper: { here: pathToFileURL(join(dir, 'lib/helper.ts')).href, folder: join(dir, 'lib') },
      }),
    );
    expect((await readdir(dir)).sort()).toEqual(['lib', 'topology.ts']);
  });

  it('keeps line numbers: a syntax error on line 3 is reported on line 3', async () => {
    const dir = await folder({ 'broken.ts': "// one\nexport const a = 1;\nexport const b = (;\n" });
    await expect(importBundled(join(dir, 'broken.ts'), undefined)).rejects.toThrow(`Build failed with 1 error:\n${join(dir, 'broken.ts')}:3:18: ERROR: Unexpected ";"`);
  });

  it('returns undefined in a folder it cannot write to, for the caller to load the file another way', async () => {
    const dir = await folder({ 'topology.ts': 'export const a = 1;\n' });
    await chmod(dir, 0o555);
    // root writes through permissions: the immutable attribute stops it too
    if (process.getuid?.() === 0) expect(spawnSync('chattr', ['+i', dir]).status).toBe(0);
    expect(await importBundled(join(dir, 'topology.ts'), undefined)).toBeUndefined();
  });
});
