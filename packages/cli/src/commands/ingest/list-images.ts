import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ConfigError } from '@vision-flow/core';

const EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** The image files (JPEG, PNG, WebP by extension) among `inputs`: files as given, folders recursively, sorted. */
export async function listImages(inputs: readonly string[]): Promise<string[]> {
  if (inputs.length === 0) throw new ConfigError('no images given; pass folders or image files: vision-flow ingest <dir|files...>');
  const out: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const s = await stat(path).catch(() => undefined);
    if (!s) throw new ConfigError(`${input} does not exist; pass an image file or a folder of images`, { input });
    if (s.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(path);
  }
  return out;
}
