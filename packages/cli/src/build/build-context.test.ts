import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBuildContext } from './build-context.js';
import { DEFAULT_BASE, ENTRYPOINT_SCRIPT, TOPOLOGY_LABEL } from './dockerfile.js';

const repo = resolve(import.meta.dirname, '../../../..');

describe('writeBuildContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vf-context-'));
  const ctx = writeBuildContext({ topologyFile: join(repo, 'topologies/image-pipeline.ts'), topologyName: 'image-pipeline', dir, defaultBase: DEFAULT_BASE });

  it('finds the npm project and where the topology sits in the image', async () => {
    const c = await ctx;
    expect(c.projectRoot).toBe(repo);
    expect(c.topologyInImage).toBe('/app/topologies/image-pipeline.ts');
    expect(c.dockerfile).toContain(`LABEL ${TOPOLOGY_LABEL}="/app/topologies/image-pipeline.ts"`);
  });

  it('puts the lock, every workspace manifest and its bin in manifests/, for a cached npm ci', async () => {
    await ctx;
    for (const f of ['package.json', 'package-lock.json', 'packages/core/package.json', 'packages/operators/package.json', 'packages/cli/package.json', 'packages/cli/bin/vision-flow.cjs']) {
      expect(existsSync(join(dir, 'manifests', f)), f).toBe(true);
    }
    expect(existsSync(join(dir, 'manifests', 'packages/core/src'))).toBe(false);
  });

  it("copies the project's sources and the topology's own modules, never node_modules or built output", async () => {
    await ctx;
    for (const f of ['topologies/image-pipeline.ts', 'topologies/image-pipeline/schemas.ts', 'packages/core/src/index.ts', 'tsconfig.base.json']) {
      expect(existsSync(join(dir, 'app', f)), f).toBe(true);
    }
    for (const f of ['node_modules', 'packages/core/dist', 'packages/core/node_modules', '.git']) expect(existsSync(join(dir, 'app', f)), f).toBe(false);
    expect(readFileSync(join(dir, 'vf-entrypoint.sh'), 'utf8')).toBe(ENTRYPOINT_SCRIPT);
  });

  it('refuses a topology outside any npm project, saying what to do', async () => {
    const lonely = mkdtempSync(join(tmpdir(), 'vf-lonely-'));
    await expect(writeBuildContext({ topologyFile: join(lonely, 't.ts'), topologyName: 't', dir: mkdtempSync(join(tmpdir(), 'vf-c-')), defaultBase: DEFAULT_BASE })).rejects.toThrow(
      /not inside an npm project with a package-lock\.json.*npm install/,
    );
  });
});
