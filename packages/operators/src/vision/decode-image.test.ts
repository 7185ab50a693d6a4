import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { firstValueFrom, of, toArray } from 'rxjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PoisonRecordError, operatorName, record } from '@vision-flow/core';
import { SHARED_IMAGES, hugePng, truncatedJpeg, writeBadImages, type BadImage } from '../../../../test/helpers/bad-images.js';
import { catalogue } from '../models/catalogue.js';
import { decodeImage, jpegShrink, type DecodeImageOptions } from './decode-image.js';

const decode = (image: Buffer, opts?: DecodeImageOptions, id = 'abc') =>
  firstValueFrom(of(record({ key: id, value: { id, image, source: 'camera-7' } })).pipe(decodeImage(opts)));
/** decodeImage's checks, then the pixels decoded on this thread, as a detector's worker decodes them. */
const pixels = async (image: Buffer, opts?: DecodeImageOptions, id = 'abc') => (await decode(image, opts, id)).value.frame.pixels();

async function failure(p: Promise<unknown>): Promise<PoisonRecordError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(PoisonRecordError);
  return e as PoisonRecordError;
}

describe('decodeImage on bad input', () => {
  let dir: string;
  let bad: BadImage[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vf-bad-images-'));
    bad = await writeBadImages(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the expected code for every generated bad image, from its header or at the latest when its pixels are decoded', async () => {
    expect(bad.map((b) => b.expectedCode).sort()).toEqual(['IMAGE_EMPTY', 'IMAGE_TOO_LARGE', 'IMAGE_UNDECODABLE', 'IMAGE_UNSUPPORTED_FORMAT']);
    for (const b of bad) {
      const e = await failure(pixels(await readFile(b.file), {}, basename(b.file)));
      expect({ file: basename(b.file), code: e.code }).toEqual({ file: basename(b.file), code: b.expectedCode });
      expect(e.retriable).toBe(false);
      expect(e.message).toContain(`"${basename(b.file)}"`);
    }
  });

  it('refuses a 30000×30000 PNG from its header, naming size and limit, without decoding it', async () => {
    const png = await hugePng();
    expect(png.length).toBeLessThan(200_000);
    const rssBefore = process.memoryUsage().rss;
    const e = await failure(decode(png));
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.message).toBe('image "abc" is 30000×30000 = 900 megapixels, over the 40 megapixel limit; downscale it before submitting or raise maxPixels');
    expect(e.context).toMatchObject({ width: 30000, height: 30000, limit: 40_000_000 });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024); // 900 MB of pixels were never allocated
  });

  it('passes a truncated JPEG whose header is fine; decoding its pixels refuses it', async () => {
    const { frame } = (await decode(await truncatedJpeg())).value;
    expect(frame).toMatchObject({ width: 640, height: 426, format: 'jpeg' });
    const e = await failure(frame.pixels());
    expect(e.code).toBe('IMAGE_UNDECODABLE');
    expect(e.context).toMatchObject({ imageId: 'abc', format: 'jpeg' });
    expect(e.message).toMatch(/^image "abc" \(jpeg, 640×426, \d+ bytes\) cannot be decoded: .*premature end/);
  });

  it('refuses an empty image', async () => {
    const e = await failure(decode(Buffer.alloc(0)));
    expect([e.code, e.message]).toEqual(['IMAGE_EMPTY', 'image "abc" is empty (0 bytes)']);
  });

  it('refuses text named .jpg, showing its first bytes', async () => {
    const e = await failure(decode(Buffer.from('hello, I am a text file')));
    expect(e.code).toBe('IMAGE_UNSUPPORTED_FORMAT');
    expect(e.message).toContain('starting 68 65 6c 6c 6f');
  });

  it('calls a known format whose header is cut or corrupt undecodable, not unsupported', async () => {
    const cut = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0xff, 0xd8]), Buffer.from('GIF89a', 'latin1')];
    for (const bytes of cut) {
      const e = await failure(decode(bytes));
      expect({ start: bytes.toString('hex'), code: e.code }).toEqual({ start: bytes.toString('hex'), code: 'IMAGE_UNDECODABLE' });
      expect(e.message).toMatch(/corrupt header.*; the file is truncated or corrupt$/);
    }
  });

  it('refuses a real image in a format that is not accepted', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    const e = await failure(decode(svg));
    expect(e.code).toBe('IMAGE_UNSUPPORTED_FORMAT');
    expect(e.message).toContain('is svg, which is not accepted');
  });

  it('never reads a file when value.image is a string', async () => {
    const e = await failure(decode('/etc/passwd' as unknown as Buffer));
    expect(e.code).toBe('IMAGE_UNSUPPORTED_FORMAT');
  });

  it('checks the byte limit before anything else', async () => {
    const e = await failure(decode(Buffer.alloc(2_500_000, 1), { maxBytes: 2_000_000 }));
    expect(e.code).toBe('IMAGE_TOO_MANY_BYTES');
    expect(e.message).toBe('image "abc" is 2.5 MB, over the 2 MB limit; compress or downscale it before submitting or raise maxBytes');
  });
});

describe('decodeImage on good input', () => {
  const SAMPLE = join(SHARED_IMAGES, 'coco', '000000002006.jpg'); // 640×480

  it('reads the original size from the header and keeps the encoded bytes, source and timings; pixels() gives RGB', async () => {
    const image = await readFile(SAMPLE);
    const out = await decode(image);
    const { frame } = out.value;
    expect(out.key).toBe('abc');
    expect(out.value).toMatchObject({ id: 'abc', source: 'camera-7' });
    expect(frame).toMatchObject({ width: 640, height: 480, format: 'jpeg' });
    expect(frame.encoded).toBe(image); // no pixels on this thread until asked for
    expect(out.value.timings['decodeMs']).toBeGreaterThan(0);
    const decoded = await frame.pixels();
    expect(decoded).toMatchObject({ width: 640, height: 480, dataWidth: 640, dataHeight: 480 });
    expect(decoded.data.length).toBe(640 * 480 * 3);
  });

  it('decodes a JPEG at the libjpeg scale its model needs with forModel (shrink-on-load), keeping the original size', async () => {
    const decoded = await pixels(await readFile(SAMPLE), { forModel: 'ultraface-rfb-320' });
    expect(decoded).toMatchObject({ width: 640, height: 480, dataWidth: 320, dataHeight: 240 });
    expect(decoded.data.length).toBe(320 * 240 * 3);
    expect(jpegShrink(640, 480, catalogue['yolox-nano'].input)).toBe(1); // 416 wide needs every pixel of 640
    expect(jpegShrink(2000, 1500, catalogue['yolox-nano'].input)).toBe(4);
    expect(() => decodeImage({ forModel: 'yolo9' as never })).toThrow(/forModel "yolo9" is not a known model/);
  });

  it('applies EXIF orientation: a stored 480×640 image with orientation 6 decodes 640×480 upright', async () => {
    const upright = await sharp(await readFile(SAMPLE)).raw().toBuffer({ resolveWithObject: true });
    const stored = await sharp(await readFile(SAMPLE)).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect(await sharp(stored).metadata()).toMatchObject({ width: 480, height: 640, orientation: 6 });
    const frame = await pixels(stored);
    expect([frame.width, frame.height, frame.dataWidth, frame.dataHeight]).toEqual([640, 480, 640, 480]);
    // Same picture: mean absolute difference of a few grey levels (JPEG re-encoding), not a rotated mess.
    let diff = 0;
    for (let i = 0; i < frame.data.length; i += 97) diff += Math.abs(frame.data[i]! - upright.data[i]!);
    expect(diff / (frame.data.length / 97)).toBeLessThan(8);
  });

  it('downscales to maxSide but keeps the original size', async () => {
    const frame = await pixels(await readFile(SAMPLE), { maxSide: 320 });
    expect(frame).toMatchObject({ width: 640, height: 480, dataWidth: 320, dataHeight: 240 });
    expect(frame.data.length).toBe(320 * 240 * 3);
  });

  it('gives 3 channels for grayscale and RGBA input', async () => {
    const grey = await sharp(Buffer.alloc(64, 200), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const g = await pixels(grey);
    const c = await pixels(rgba);
    expect([g.data.length, ...g.data.subarray(0, 3)]).toEqual([192, 200, 200, 200]);
    expect([c.data.length, ...c.data.subarray(0, 3)]).toEqual([192, 10, 20, 30]);
  });

  it('decodes each record of a longer stream', async () => {
    const image = await readFile(SAMPLE);
    const recs = ['a', 'b', 'c'].map((id) => record({ key: id, value: { id, image } }));
    const out = await firstValueFrom(of(...recs).pipe(decodeImage(), toArray()));
    expect(out.map((r) => r.value.id).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('decodeImage options', () => {
  it('is named for describe() and dead letters', () => {
    expect(operatorName(decodeImage(), 0)).toBe('decodeImage');
  });

  it('refuses bad options when the pipeline is built', () => {
    expect(() => decodeImage({ maxPixels: 0 })).toThrow(ConfigError);
    expect(() => decodeImage({ maxSide: 1.5 })).toThrow(/maxSide must be a positive integer/);
  });
});
