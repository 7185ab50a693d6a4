import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { annotateImage, overlaySvg } from './annotate-image.js';
import type { ObjectDetection } from './detect-objects.js';

const GREY = { r: 128, g: 128, b: 128 };
const person: ObjectDetection = { label: 'person', classId: 0, score: 0.91, box: { x: 50, y: 60, width: 100, height: 50 } };

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * info.width + x) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  return { info, at };
}

const near = (p: readonly number[], q: readonly number[], tol = 40): boolean => p.every((v, i) => Math.abs(v - q[i]!) <= tol);

describe('annotateImage', () => {
  it('draws the box where the detection is and leaves the inside alone', async () => {
    const image = await sharp({ create: { width: 300, height: 200, channels: 3, background: GREY } }).png().toBuffer();
    const { info, at } = await pixels(await annotateImage(image, { objects: [person] }, { format: 'png' }));
    expect([info.width, info.height]).toEqual([300, 200]);
    const red = [0xe6, 0x19, 0x4b]; // first palette colour, class 0
    expect(near(at(50, 85), red)).toBe(true); // left edge
    expect(near(at(149, 85), red)).toBe(true); // right edge
    expect(near(at(100, 85), [128, 128, 128], 2)).toBe(true); // inside
    expect(near(at(250, 150), [128, 128, 128], 2)).toBe(true); // elsewhere
  });

  it('renders the label text with real glyphs (needs a system font)', async () => {
    const image = await sharp({ create: { width: 300, height: 200, channels: 3, background: GREY } }).png().toBuffer();
    // Same length, same colour, different letters: real glyphs differ, missing-font boxes do not.
    const a = await pixels(await annotateImage(image, { objects: [person] }, { format: 'png' }));
    const b = await pixels(await annotateImage(image, { objects: [{ ...person, label: 'bottle' }] }, { format: 'png' }));
    let white = 0;
    let differ = 0;
    for (let y = 42; y < 60; y++) {
      for (let x = 50; x < 150; x++) {
        if (a.at(x, y).every((v) => v > 200)) white++;
        if (!near(a.at(x, y), b.at(x, y), 60)) differ++;
      }
    }
    const hint = 'is a font installed? (Debian: apt-get install fonts-dejavu-core)';
    expect(white, `no text pixels in the label band; ${hint}`).toBeGreaterThan(40);
    expect(differ, `"person" and "bottle" render the same, as missing-glyph boxes; ${hint}`).toBeGreaterThan(30);
  });

  it('draws faces too, and writes JPEG from a file path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vf-annotate-'));
    try {
      const file = join(dir, 'in.jpg');
      await writeFile(file, await sharp({ create: { width: 300, height: 200, channels: 3, background: GREY } }).jpeg().toBuffer());
      const out = await annotateImage(file, { faces: [{ score: 0.99, box: { x: 10, y: 10, width: 40, height: 40 } }] }, { format: 'jpeg' });
      expect((await sharp(out).metadata()).format).toBe('jpeg');
      const { at } = await pixels(out);
      const [r, , b] = at(10, 30); // the face colour is #00a0ff; JPEG chroma subsampling blurs a 2-pixel line
      expect(b - r).toBeGreaterThan(80);
      expect(near(at(30, 30), [128, 128, 128], 6)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('draws on the upright picture of an EXIF-rotated JPEG, in the same coordinates the detectors use', async () => {
    // Upright 300×200: left half red, right half blue. Stored rotated with orientation 6.
    const upright = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: { create: { width: 150, height: 200, channels: 3, background: { r: 255, g: 0, b: 0 } } }, left: 0, top: 0 }])
      .png()
      .toBuffer();
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const { info, at } = await pixels(await annotateImage(stored, { objects: [person] }, { format: 'png' }));
    expect([info.width, info.height]).toEqual([300, 200]);
    expect(near(at(20, 180), [255, 0, 0])).toBe(true);
    expect(near(at(280, 180), [0, 0, 255])).toBe(true);
    expect(near(at(50, 85), [0xe6, 0x19, 0x4b])).toBe(true);
  });

  it('escapes labels for the SVG overlay', () => {
    const svg = overlaySvg(100, 100, { objects: [{ ...person, label: 'a<b & "c"' }] });
    expect(svg).toContain('a&#60;b &#38; &#34;c&#34; 0.91');
    expect(svg).not.toContain('a<b');
  });
});
