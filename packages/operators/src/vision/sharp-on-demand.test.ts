// sharp (libvips, ~0.15 s of start-up CPU) loads on first use: most processes of a topology never
// decode an image (ingest, aggregate, deliver; a detector node decodes in its inference workers).
// Checked in a fresh node process through its memory map, where a loaded libvips shows.
import { describe, expect, it } from 'vitest';
import { runInFreshNode } from '../../../../test/helpers/fresh-node.js';

describe('sharp on demand', () => {
  it('importing @vision-flow/operators does not load libvips; decoding an image does', async () => {
    const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    const out = JSON.parse(await runInFreshNode([
      `import { readFileSync } from 'node:fs';`,
      `const libvips = () => readFileSync('/proc/self/maps', 'utf8').includes('libvips');`,
      `const ops = await import(${url('../index.ts')});`,
      `const before = libvips();`,
      `const { decodePixels } = await import(${url('./decode-pixels.ts')});`,
      `const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');`,
      `const px = await decodePixels({ width: 1, height: 1, format: 'gif', orientation: 1, encoded: gif, decoding: { failOn: 'error', ignoreIcc: true, maxPixels: 1e6 } });`,
      `console.log(JSON.stringify({ exports: Object.keys(ops).length, before, after: libvips(), bytes: px.data.length }));`,
    ])) as { exports: number; before: boolean; after: boolean; bytes: number };
    expect(out.exports).toBeGreaterThan(10);
    expect(out.before, 'libvips mapped right after importing the package').toBe(false);
    expect(out.after, 'libvips mapped once an image was decoded').toBe(true);
    expect(out.bytes).toBe(3);
  }, 70_000);
});
