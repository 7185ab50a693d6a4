import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEngine } from './container-engine.js';

describe('detectEngine', () => {
  // A PATH with neither podman nor docker on it: what a machine without an engine sees.
  const emptyPath = { PATH: mkdtempSync(join(tmpdir(), 'vf-no-engine-')) };

  it('says that neither engine is there and how to get one', async () => {
    await expect(detectEngine({ purpose: 'vision-flow build', env: emptyPath })).rejects.toThrow(
      'vision-flow build needs a container engine, and podman is not installed; docker is not installed. Install podman (Debian: apt-get install podman runc) or start the Docker daemon',
    );
  });

  it('names the engine asked for when it is missing', async () => {
    await expect(detectEngine({ purpose: 'up --containers', prefer: 'docker', env: emptyPath })).rejects.toThrow(/docker is not installed.*or leave out --engine docker/);
  });

  it('refuses an engine it does not know', async () => {
    await expect(detectEngine({ purpose: 'vision-flow build', env: { ...emptyPath, VF_CONTAINER_ENGINE: 'nerdctl' } })).rejects.toThrow(
      'vision-flow build: container engine "nerdctl" is not supported; use --engine podman or --engine docker',
    );
  });

  it('takes the flags from VF_CONTAINER_FLAGS and VF_CONTAINER_RUN_FLAGS when set', async () => {
    // Needs a real engine to answer; podman is set up by scripts/base-image.sh wherever the suite runs.
    const engine = await detectEngine({ purpose: 'test', prefer: 'podman', env: { ...process.env, VF_CONTAINER_FLAGS: '--cgroup-manager cgroupfs', VF_CONTAINER_RUN_FLAGS: ' --ulimit  nofile=1024:4096 ' } });
    expect(engine).toEqual({ kind: 'podman', globalFlags: ['--cgroup-manager', 'cgroupfs'], runFlags: ['--ulimit', 'nofile=1024:4096'] });
  });
});
