import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import {
  ConfigError,
  PoisonRecordError,
  checkPositiveInt,
  describeParam,
  record,
  resolveParam,
  type ParamOr,
  type Source,
  type SourceEnvelope,
  type SourceReader,
} from '@vision-flow/core';

/** An image as the directory source submits it; matches the image pipeline's ImageSubmitted schema. */
export interface SubmittedImage {
  readonly id: string;
  readonly image: Buffer;
  readonly contentType: string | null;
  readonly source: string | null;
  readonly submittedAt: number;
}

export interface DirectorySourceOptions {
  /** The folder to read, recursively; often a parameter: `param('images')`. */
  readonly dir: ParamOr<string>;
  /** File extensions taken as images (case-insensitive). Others are skipped and counted. */
  readonly extensions?: readonly string[];
  /** Files larger than this are dead-lettered without being read (default 16 MiB, the image topic's limit). */
  readonly maxBytes?: number;
  /** Submit the folder this many times with ids suffixed `#2`, `#3`…: load tests and crash tests. */
  readonly repeat?: ParamOr<number>;
}

const DEFAULT_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic'];
const CONTENT_TYPES: { readonly [ext: string]: string } = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.avif': 'image/avif', '.heic': 'image/heic' };

/**
 * Submits every image file under a folder, keyed by its path relative to the folder without the
 * extension (`coco/000000000139`). Bounded: the run ends once every file has gone through.
 * Files are read one at a time as the node pulls, so a huge folder never sits in memory.
 *
 * When to use: batch jobs over stored images, demos and tests. For devices use HTTP ingest.
 *
 * @example
 * .node('ingest', (n) => n.source(directorySource({ dir: param('images') })).to(images))
 */
export function directorySource(opts: DirectorySourceOptions): Source<string, SubmittedImage> {
  const extensions = new Set((opts.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase()));
  const maxBytes = opts.maxBytes ?? 16 << 20;
  return {
    kind: 'directory',
    unit: 'images',
    bounded: true,
    describe: () => ({ dir: describeParam(opts.dir), extensions: [...extensions], maxBytes, ...(opts.repeat !== undefined ? { repeat: describeParam(opts.repeat) } : {}) }),
    async open(ctx): Promise<SourceReader<string, SubmittedImage>> {
      const dir = resolve(resolveParam(opts.dir, ctx.params, `node "${ctx.node}" directory source`));
      const repeat = checkPositiveInt(Number(opts.repeat === undefined ? 1 : resolveParam(opts.repeat, ctx.params, `node "${ctx.node}" repeat`)), 'repeat', `node "${ctx.node}"`);
      const files = await listFiles(dir);
      const images = files.filter((f) => extensions.has(extname(f).toLowerCase()));
      const skipped = files.length - images.length;
      if (skipped > 0) ctx.log(`${ctx.node}: skipped ${skipped} file(s) under ${dir} without an image extension (${[...extensions].join(' ')})`);
      if (images.length === 0) ctx.log(`${ctx.node}: no image files under ${dir}`);
      let i = 0;
      const total = images.length * repeat;
      return {
        total,
        async next(): Promise<SourceEnvelope<string, SubmittedImage> | null> {
          if (i >= total || ctx.signal.aborted) return null;
          const round = Math.floor(i / images.length);
          const file = images[i % images.length]!;
          i++;
          const rel = relative(dir, file).split(sep).join('/');
          const id = rel.slice(0, rel.length - extname(rel).length) + (round > 0 ? `#${round + 1}` : '');
          const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? null;
          const submittedAt = Date.now();
          const { size, bytes } = readUpTo(file, maxBytes);
          if (!bytes) {
            const value: SubmittedImage = { id, image: Buffer.alloc(0), contentType, source: file, submittedAt };
            return {
              record: record({ key: id, value, timestamp: submittedAt }),
              error: new PoisonRecordError('IMAGE_TOO_MANY_BYTES', `file ${file} is ${size} bytes, over the ${maxBytes}-byte limit of the directory source; shrink it or raise maxBytes (and the image topic's maxMessageBytes)`, { file, size, maxBytes }),
            };
          }
          return { record: record({ key: id, value: { id, image: bytes, contentType, source: file, submittedAt }, timestamp: submittedAt }) };
        },
        async close() {
          i = total;
        },
      };
    },
  };
}

/**
 * A file's bytes, or only its size when it is over `maxBytes`. Read synchronously: for the image
 * files this source reads (~100 KB, one at a time as the node pulls), the thread pool's round trips
 * of fs/promises (open, stat, read, close) cost more than the read itself: 400 files, 140 ms of CPU
 * against 30 ms, on the process's one JS thread that every node of an embedded run shares.
 */
function readUpTo(file: string, maxBytes: number): { readonly size: number; readonly bytes?: Buffer } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    return size > maxBytes ? { size } : { size, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `image folder ${dir} does not exist; pass an existing folder with --images <dir>` : code === 'ENOTDIR' ? `${dir} is a file, not a folder; pass a folder with --images <dir>` : `cannot read image folder ${dir}: ${(e as Error).message}`,
      { dir },
      e,
    );
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
