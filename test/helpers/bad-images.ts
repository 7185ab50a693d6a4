import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, createDeflate } from 'node:zlib';

/** ../shared/images next to the repository root; computed from this file, never hard-coded. */
export const SHARED_IMAGES = fileURLToPath(new URL('../../../shared/images/', import.meta.url));

/** A real COCO sample; the truncated JPEG is cut from it. */
export const SAMPLE_JPEG = join(SHARED_IMAGES, 'coco', '000000000139.jpg');

export interface BadImage {
  readonly file: string;
  readonly expectedCode: string;
}

/** Zero bytes. */
export const emptyImage = (): Buffer => Buffer.alloc(0);

/** The first 40% of a real JPEG: a valid header, then the data stops mid-scan. */
export async function truncatedJpeg(fraction = 0.4): Promise<Buffer> {
  const whole = await readFile(SAMPLE_JPEG);
  return whole.subarray(0, Math.floor(whole.length * fraction));
}

/** Plain text that a careless client named `.jpg`. */
export const textAsImage = (): Buffer => Buffer.from('this is not an image, just a text file named photo.jpg\n', 'utf8');

/**
 * A valid 1-bit grayscale PNG of `side`×`side` pixels (default 30000: 900 megapixels) built without
 * allocating its pixels: the all-zero rows go through a streaming deflate one block at a time, so
 * the file is ~110 KB and memory stays at a few MB.
 */
export async function hugePng(side = 30_000): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, filter 0, no interlace
  const idat = await deflateZeroRows(1 + Math.ceil(side / 8), side);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Writes every bad image into `dir` and says which error code decodeImage must give for each. */
export async function writeBadImages(dir: string): Promise<BadImage[]> {
  await mkdir(dir, { recursive: true });
  const cases: Array<[string, string, Buffer]> = [
    ['empty.jpg', 'IMAGE_EMPTY', emptyImage()],
    ['truncated.jpg', 'IMAGE_UNDECODABLE', await truncatedJpeg()],
    ['text.jpg', 'IMAGE_UNSUPPORTED_FORMAT', textAsImage()],
    ['huge-30000x30000.png', 'IMAGE_TOO_LARGE', await hugePng()],
  ];
  const out: BadImage[] = [];
  for (const [name, expectedCode, bytes] of cases) {
    const file = join(dir, name);
    await writeFile(file, bytes);
    out.push({ file, expectedCode });
  }
  return out;
}

function deflateZeroRows(rowBytes: number, rows: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const deflate = createDeflate({ level: 9 });
    const parts: Buffer[] = [];
    deflate.on('data', (b: Buffer) => parts.push(b));
    deflate.on('end', () => resolve(Buffer.concat(parts)));
    deflate.on('error', reject);
    const rowsPerBlock = Math.max(1, Math.floor((4 << 20) / rowBytes));
    const block = Buffer.alloc(rowsPerBlock * rowBytes); // filter byte 0 + zero pixels, reused for every block
    let left = rows;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(rowsPerBlock, left);
        left -= n;
        if (!deflate.write(block.subarray(0, n * rowBytes))) return void deflate.once('drain', pump);
      }
      deflate.end();
    };
    pump();
  });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
