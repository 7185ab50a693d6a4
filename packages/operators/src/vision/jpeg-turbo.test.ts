// The inference workers' JPEG decoder (libjpeg-turbo through native/jpeg_decode.c) gives sharp's
// pixels bit for bit wherever it decodes, and leaves every frame it cannot decode exactly as sharp
// would (turned, CMYK, damaged, resized, ICC applied, not a JPEG) to sharp.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLimits, readFrame, type DecodeImageOptions } from './decode-image.js';
import { decodePixels, UndecodableImageError } from './decode-pixels.js';
import type { EncodedFrame } from './frame.js';
import { JpegTurbo } from './jpeg-turbo.js';

const SHARED_IMAGES = fileURLToPath(new URL('../../../../../shared/images', import.meta.url));
const samples = readdirSync(SHARED_IMAGES).flatMap((d) => readdirSync(join(SHARED_IMAGES, d)).map((f) => join(SHARED_IMAGES, d, f)));

const frameOf = (bytes: Buffer, opts?: DecodeImageOptions): Promise<EncodedFrame> => readFrame('test', bytes, decodeLimits(opts));

let jpeg: JpegTurbo;

describe('JpegTurbo', () => {
  beforeAll(() => {
    // Built by the package's build wherever libturbojpeg's dev files are (scripts/setup.sh installs them).
    const loaded = JpegTurbo.load();
    expect(loaded, 'native/build/Release/jpeg_decode.node did not load: run the build with libturbojpeg0-dev installed').toBeDefined();
    jpeg = loaded!;
  });

  it("decodes every sample photo to sharp's pixels, bit for bit", async () => {
    expect(samples.length).toBeGreaterThan(30);
    for (const file of samples) {
      const frame = await frameOf(readFileSync(file));
      const direct = jpeg.decode(frame);
      expect(direct, `${file} was left to sharp`).toBeDefined();
      const viaSharp = await decodePixels(frame);
      expect({ ...direct!, data: undefined }, file).toEqual({ ...viaSharp, data: undefined });
      expect(Buffer.compare(direct!.data, viaSharp.data), `${file}: pixels differ from sharp's`).toBe(0);
    }
  });

  it("decodes progressive, grey, 4:4:4 and odd-sized JPEGs to sharp's pixels", async () => {
    const photo = sharp(readFileSync(samples[0]!)).resize(333, 251);
    for (const bytes of [
      await photo.clone().jpeg({ progressive: true }).toBuffer(),
      await photo.clone().greyscale().jpeg().toBuffer(),
      await photo.clone().jpeg({ chromaSubsampling: '4:4:4', quality: 95 }).toBuffer(),
      await photo.clone().resize(1, 1).jpeg().toBuffer(),
    ]) {
      const frame = await frameOf(bytes);
      const direct = jpeg.decode(frame);
      expect(direct).toBeDefined();
      expect(Buffer.compare(direct!.data, (await decodePixels(frame)).data)).toBe(0);
    }
  });

  it('decodes into the memory it is given when that is large enough (a frame cache slot), else into its own', async () => {
    const frame = await frameOf(readFileSync(samples[0]!));
    const bytes = frame.width * frame.height * 3;
    const slot = Buffer.from(new SharedArrayBuffer(bytes + 100));
    const inSlot = jpeg.decode(frame, slot)!;
    expect(inSlot.data.buffer).toBe(slot.buffer);
    expect(inSlot.data.length).toBe(bytes);
    const own = jpeg.decode(frame, Buffer.alloc(bytes - 1))!;
    expect(own.data.buffer).not.toBe(slot.buffer);
    expect(Buffer.compare(inSlot.data, own.data)).toBe(0);
  });

  it('leaves to sharp a JPEG stored turned (EXIF orientation), which sharp turns upright', async () => {
    const stored = await sharp(readFileSync(samples[0]!)).resize(64, 48).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const frame = await frameOf(stored);
    expect(frame).toMatchObject({ width: 48, height: 64, orientation: 6 });
    expect(jpeg.decode(frame)).toBeUndefined();
    expect(await decodePixels(frame)).toMatchObject({ dataWidth: 48, dataHeight: 64 });
  });

  it('leaves to sharp a CMYK JPEG, other formats, and frames decoded smaller or with their ICC profile', async () => {
    const photo = sharp(readFileSync(samples[0]!)).resize(120, 90);
    const cmyk = await frameOf(await photo.clone().toColourspace('cmyk').jpeg().toBuffer());
    expect(jpeg.decode(cmyk)).toBeUndefined();
    expect(await decodePixels(cmyk)).toMatchObject({ dataWidth: 120, dataHeight: 90 });
    expect(jpeg.decode(await frameOf(await photo.clone().png().toBuffer()))).toBeUndefined();
    expect(jpeg.decode(await frameOf(await photo.clone().jpeg().toBuffer(), { maxSide: 60 }))).toBeUndefined();
    expect(jpeg.decode(await frameOf(await photo.clone().jpeg().toBuffer(), { ignoreIcc: false }))).toBeUndefined();
  });

  it("leaves a damaged JPEG to sharp, whose failOn decides: undecodable under 'warning', grey rows under 'none'", async () => {
    const whole = await sharp(readFileSync(samples[0]!)).resize(160, 120).jpeg().toBuffer();
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const strict = await frameOf(cut);
    expect(jpeg.decode(strict)).toBeUndefined();
    await expect(decodePixels(strict)).rejects.toBeInstanceOf(UndecodableImageError);
    const lenient = await frameOf(cut, { failOn: 'none' });
    expect(jpeg.decode(lenient)).toBeUndefined();
    expect(await decodePixels(lenient)).toMatchObject({ dataWidth: 160, dataHeight: 120 });
  });
});
