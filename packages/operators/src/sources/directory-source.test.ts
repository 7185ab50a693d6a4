import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localContext, type SourceEnvelope } from '@vision-flow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directorySource, type SubmittedImage } from './directory-source.js';

describe('directorySource', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-directory-source-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function readAll(maxBytes?: number): Promise<{ envelopes: Array<SourceEnvelope<string, SubmittedImage>>; logs: string[]; total: number | undefined }> {
    const logs: string[] = [];
    const reader = await directorySource({ dir, ...(maxBytes ? { maxBytes } : {}) }).open({ ...localContext({ log: (m) => logs.push(m) }), signal: new AbortController().signal });
    const envelopes: Array<SourceEnvelope<string, SubmittedImage>> = [];
    for (let e = await reader.next(); e; e = await reader.next()) envelopes.push(e);
    await reader.close();
    return { envelopes, logs, total: reader.total };
  }

  it('submits every image under the folder with its bytes, keyed by its path without the extension, and skips other files', async () => {
    await mkdir(join(dir, 'coco'));
    await writeFile(join(dir, 'coco', 'a.jpg'), Buffer.from('jpeg bytes a'));
    await writeFile(join(dir, 'b.PNG'), Buffer.from('png bytes b'));
    await writeFile(join(dir, 'notes.txt'), 'not an image');
    const { envelopes, logs, total } = await readAll();
    expect(total).toBe(2);
    expect(envelopes.map((e) => [e.record.key, e.record.value.image.toString(), e.record.value.contentType, e.error])).toEqual([
      ['b', 'png bytes b', 'image/png', undefined],
      ['coco/a', 'jpeg bytes a', 'image/jpeg', undefined],
    ]);
    expect(logs.join('\n')).toMatch(/skipped 1 file/);
  });

  it('dead-letters a file over maxBytes without reading it, and goes on with the next', async () => {
    await writeFile(join(dir, 'big.jpg'), Buffer.alloc(2048, 1));
    await writeFile(join(dir, 'small.jpg'), Buffer.alloc(10, 2));
    const { envelopes } = await readAll(1024);
    expect(envelopes.map((e) => [e.record.key, e.record.value.image.length, e.error?.code])).toEqual([
      ['big', 0, 'IMAGE_TOO_MANY_BYTES'],
      ['small', 10, undefined],
    ]);
    expect(envelopes[0]!.error!.message).toContain(join(dir, 'big.jpg'));
    expect(envelopes[0]!.error!.message).toMatch(/2048 bytes, over the 1024-byte limit/);
  });

  it('fails the read of a file removed after the folder was listed, naming it', async () => {
    await writeFile(join(dir, 'gone.jpg'), Buffer.from('x'));
    const reader = await directorySource({ dir }).open({ ...localContext({ log: () => undefined }), signal: new AbortController().signal });
    await rm(join(dir, 'gone.jpg'));
    await expect(reader.next()).rejects.toThrow(/gone\.jpg/);
  });
});
