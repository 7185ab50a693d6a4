// The JavaScript header reader agrees with libvips on every sample image and on WebP in its three
// encodings, and finds nothing where a header is not (check-image then asks libvips).
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageSize } from './image-size.js';

const SHARED_IMAGES = fileURLToPath(new URL('../../../../../shared/images', import.meta.url));
const samples = readdirSync(SHARED_IMAGES).flatMap((d) => readdirSync(join(SHARED_IMAGES, d)).map((f) => join(SHARED_IMAGES, d, f))).filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase()));

describe('imageSize', () => {
  it('reads the size libvips reads from every sample JPEG and PNG', async () => {
    expect(samples.length).toBeGreaterThan(10);
    for (const file of samples) {
      const bytes = readFileSync(file);
      const { width, height } = await sharp(bytes).metadata();
      expect(imageSize(bytes, extname(file).toLowerCase() === '.png' ? 'png' : 'jpeg'), file).toEqual({ width, height });
    }
  });

  it('reads lossy, lossless and extended (alpha) WebP, and progressive JPEG', async () => {
    const rgb = sharp({ create: { width: 123, height: 45, channels: 3, background: '#808080' } });
    const rgba = sharp({ create: { width: 67, height: 89, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } });
    expect(imageSize(await rgb.clone().webp({ lossless: false }).toBuffer(), 'webp')).toEqual({ width: 123, height: 45 });
    expect(imageSize(await rgb.clone().webp({ lossless: true }).toBuffer(), 'webp')).toEqual({ width: 123, height: 45 });
    expect(imageSize(await rgba.clone().webp({ lossless: false }).toBuffer(), 'webp')).toEqual({ width: 67, height: 89 });
    expect(imageSize(await rgb.clone().jpeg({ progressive: true }).toBuffer(), 'jpeg')).toEqual({ width: 123, height: 45 });
  });

  it('finds nothing where the format puts no header', () => {
    expect(imageSize(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0x00]), Buffer.alloc(500, 0x41)]), 'jpeg')).toBeUndefined();
    expect(imageSize(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]), Buffer.alloc(50)]), 'jpeg')).toBeUndefined();
    expect(imageSize(Buffer.alloc(40, 0x42), 'png')).toBeUndefined();
    expect(imageSize(Buffer.from('RIFF\x20\x00\x00\x00WEBPJUNK'.padEnd(40, '\x00'), 'latin1'), 'webp')).toBeUndefined();
  });
});
