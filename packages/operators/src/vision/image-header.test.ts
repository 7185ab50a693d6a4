// The JavaScript header reader agrees with libvips (sharp's metadata, EXIF orientation applied) on
// every sample image, on WebP in its three encodings and on a turned JPEG, and finds nothing where
// a header is not (its callers then ask libvips).
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { quickHeader } from './image-header.js';

const SHARED_IMAGES = fileURLToPath(new URL('../../../../../shared/images', import.meta.url));
const samples = readdirSync(SHARED_IMAGES).flatMap((d) => readdirSync(join(SHARED_IMAGES, d)).map((f) => join(SHARED_IMAGES, d, f))).filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase()));

async function libvipsHeader(bytes: Buffer): Promise<{ format: string | undefined; width: number | undefined; height: number | undefined; orientation: number }> {
  const m = await sharp(bytes).metadata();
  return { format: m.format, width: m.autoOrient?.width ?? m.width, height: m.autoOrient?.height ?? m.height, orientation: m.orientation ?? 1 };
}

describe('quickHeader', () => {
  it('reads the format and size libvips reads from every sample JPEG and PNG', async () => {
    expect(samples.length).toBeGreaterThan(10);
    for (const file of samples) {
      const bytes = readFileSync(file);
      expect(quickHeader(bytes), file).toEqual(await libvipsHeader(bytes));
    }
  });

  it('reads lossy, lossless and extended (alpha) WebP, progressive JPEG and PNG', async () => {
    const rgb = sharp({ create: { width: 123, height: 45, channels: 3, background: '#808080' } });
    const rgba = sharp({ create: { width: 67, height: 89, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } });
    for (const bytes of [
      await rgb.clone().webp({ lossless: false }).toBuffer(),
      await rgb.clone().webp({ lossless: true }).toBuffer(),
      await rgba.clone().webp({ lossless: false }).toBuffer(),
      await rgb.clone().jpeg({ progressive: true }).toBuffer(),
      await rgba.clone().png().toBuffer(),
    ]) {
      expect(quickHeader(bytes)).toEqual(await libvipsHeader(bytes));
    }
  });

  it('gives the upright size of a JPEG its EXIF turns a quarter (orientations 5–8), as libvips does', async () => {
    const stored = await sharp({ create: { width: 48, height: 64, channels: 3, background: '#336699' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await sharp(stored).metadata()).toMatchObject({ width: 48, height: 64, orientation: 6 });
    expect(quickHeader(stored)).toEqual({ format: 'jpeg', width: 64, height: 48, orientation: 6 });
    expect(quickHeader(stored)).toEqual(await libvipsHeader(stored));
  });

  it('finds nothing where the format puts no header, and leaves other formats to libvips', async () => {
    expect(quickHeader(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0x00]), Buffer.alloc(500, 0x41)]))).toBeUndefined();
    expect(quickHeader(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]), Buffer.alloc(50)]))).toBeUndefined();
    expect(quickHeader(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBeUndefined();
    expect(quickHeader(Buffer.alloc(40, 0x42))).toBeUndefined();
    expect(quickHeader(Buffer.from('RIFF\x20\x00\x00\x00WEBPJUNK'.padEnd(40, '\x00'), 'latin1'))).toBeUndefined();
    expect(quickHeader(Buffer.from('hello, world'))).toBeUndefined();
    const gif = await sharp({ create: { width: 10, height: 20, channels: 3, background: '#000' } }).gif().toBuffer();
    expect(quickHeader(gif)).toBeUndefined();
  });
});
