import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerName } from './container-name.js';
import { hostPathMounts } from './host-path-mounts.js';

describe('hostPathMounts', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vf-mounts-'));
  mkdirSync(join(cwd, 'images'));
  writeFileSync(join(cwd, 'images', 'a.jpg'), 'x');
  mkdirSync(join(cwd, 'images', 'more'));

  it('makes existing paths absolute and mounts their folders at the same place', () => {
    const r = hostPathMounts(['--no-progress', '--set', 'images=images', '--annotate', `${cwd}/images/more/`], cwd);
    expect(r.args).toEqual(['--no-progress', '--set', `images=${cwd}/images`, '--annotate', `${cwd}/images/more`]);
    expect(r.mounts).toEqual([`${cwd}/images:${cwd}/images`]); // more/ is inside images/
  });

  it('mounts the folder of a file still to be written', () => {
    const r = hostPathMounts(['--set', 'out=./results.jsonl'], cwd);
    expect(r.args).toEqual(['--set', `out=${cwd}/results.jsonl`]);
    expect(r.mounts).toEqual([`${cwd}:${cwd}`]);
  });

  it('leaves names, numbers, URLs, "-", missing folders and --state-dir alone', () => {
    const args = ['--set', 'repeat=3', '--set', 'out=-', '--set', 'model=yolox-nano', '--set', 'url=http://x/a', '--set', 'dir=./nowhere/at/all', '--state-dir', '.', '--set', 'flag'];
    expect(hostPathMounts(args, cwd)).toEqual({ args, mounts: [] });
  });
});

describe('containerName', () => {
  it('is vf-[<namespace>-]<topology>-<node>-<replica>, lowercase, legal for podman and docker', () => {
    expect(containerName('image-pipeline', 'objects', 2)).toBe('vf-image-pipeline-objects-2');
    expect(containerName('Device_Registry', 'Read Model', 1)).toBe('vf-device_registry-read-model-1');
    expect(containerName('image-pipeline', 'objects', 1, 't-up.5f3a')).toBe('vf-t-up.5f3a-image-pipeline-objects-1');
  });
});
