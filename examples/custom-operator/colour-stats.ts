import { mergeMap, type OperatorFunction } from 'rxjs';
import sharp, { type ChannelStats } from 'sharp';
import { ConfigError, named, type Rec } from '@vision-flow/core';
import type { DecodedImage } from '@vision-flow/operators';

/** How light an image is overall, from its mean brightness. */
export type Exposure = 'dark' | 'normal' | 'bright';

/** Colour statistics of one image. */
export interface ColourStats {
  readonly id: string;
  readonly source: string | null;
  readonly width: number;
  readonly height: number;
  /** Mean luma Y′ (BT.709 weights on the sRGB values), 0 (black) to 255 (white). */
  readonly brightness: number;
  readonly exposure: Exposure;
  /**
   * Hasler & Süsstrunk's colourfulness M: 0 for grey, about 15 slightly, 33 moderately, 45 quite,
   * 59 highly and 82 extremely colourful.
   */
  readonly colourfulness: number;
  /** Whether no pixel strays from grey by more than `greyTolerance` levels: a black-and-white picture. */
  readonly grayscale: boolean;
  /** The mean colour as `#rrggbb`. */
  readonly meanColour: string;
  /** The input's timings plus `coloursMs`. */
  readonly timings: Readonly<{ [stage: string]: number }>;
}

export interface ColourStatsOptions {
  /** Brightness below which an image is `dark` (default 60). */
  readonly darkBelow?: number;
  /** Brightness above which an image is `bright` (default 170). */
  readonly brightAbove?: number;
  /** How far (in 0–255 levels) a pixel may stray from grey in a grayscale image (default 2: JPEG noise). */
  readonly greyTolerance?: number;
  /** Images measured at once when the operator sees many records (default 4). */
  readonly concurrency?: number;
}

const OP = 'colourStats';

/**
 * Measures brightness, exposure, colourfulness, grayscale and mean colour of each decoded image
 * with sharp (libvips, off the event loop). A custom operator is nothing more than this: a function
 * that checks its options at once and returns an RxJS OperatorFunction over records, named so that
 * `vision-flow graph`, metrics and dead-letter headers can say which operator did what.
 *
 * When to use: after decodeImage, to sort, flag or route images by how they look (dark shots from
 * a camera at night, black-and-white scans) without any model.
 *
 * @example
 * n.from(images).pipe(decodeImage(), colourStats({ darkBelow: 50 })).to(colours)
 * @see decodeImage
 */
export function colourStats<K>(opts: ColourStatsOptions = {}): OperatorFunction<Rec<K, DecodedImage>, Rec<K, ColourStats>> {
  // Bad options throw ConfigError when the pipeline is built, never once per record.
  const darkBelow = checkLevel(opts.darkBelow ?? 60, 'darkBelow');
  const brightAbove = checkLevel(opts.brightAbove ?? 170, 'brightAbove');
  if (darkBelow >= brightAbove) throw new ConfigError(`${OP}: darkBelow (${darkBelow}) must be below brightAbove (${brightAbove})`, { operator: OP, option: 'darkBelow' });
  const greyTolerance = checkLevel(opts.greyTolerance ?? 2, 'greyTolerance');
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`${OP}: concurrency must be a positive integer, got ${concurrency}`, { operator: OP, option: 'concurrency' });

  return named(OP, (source) =>
    source.pipe(
      mergeMap(async (rec) => {
        const started = performance.now();
        const image = rec.value;
        const { brightness, colourfulness, maxGreyDistance, mean } = await measure(image);
        const value: ColourStats = {
          id: image.id,
          source: image.source,
          width: image.frame.width,
          height: image.frame.height,
          brightness: round1(brightness),
          exposure: brightness < darkBelow ? 'dark' : brightness > brightAbove ? 'bright' : 'normal',
          colourfulness: round1(colourfulness),
          grayscale: maxGreyDistance <= greyTolerance,
          meanColour: `#${mean.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`,
          timings: { ...image.timings, coloursMs: round1(performance.now() - started) },
        };
        return rec.withValue(value);
      }, concurrency),
    ),
  );
}

/**
 * Two libvips passes over the frame: channel statistics of the RGB pixels, and of the opponent
 * colour channels rg = R − G and yb = (R + G) / 2 − B that colourfulness is defined on (kept as
 * floats, as they go negative).
 */
async function measure(image: DecodedImage): Promise<{ brightness: number; colourfulness: number; maxGreyDistance: number; mean: [number, number, number] }> {
  const { data, dataWidth: width, dataHeight: height } = await image.frame.pixels();
  const raw = { width, height, channels: 3 as const };
  const opponent = sharp(data, { raw })
    .recomb([
      [1, -1, 0],
      [0.5, 0.5, -1],
      [0, 0, 0],
    ])
    .raw({ depth: 'float' })
    .toBuffer()
    .then((b) => sharp(new Float32Array(b.buffer, b.byteOffset, b.length / 4), { raw }).stats());
  const [rgb, opp] = await Promise.all([sharp(data, { raw }).stats(), opponent]);
  const mean = rgb.channels.map((c) => c.mean) as [number, number, number];
  const [rg, yb] = opp.channels as [ChannelStats, ChannelStats];
  return {
    brightness: 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2],
    colourfulness: Math.hypot(rg.stdev, yb.stdev) + 0.3 * Math.hypot(rg.mean, yb.mean),
    maxGreyDistance: Math.max(-rg.min, rg.max, -yb.min, yb.max),
    mean,
  };
}

function checkLevel(value: number, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 255)) throw new ConfigError(`${OP}: ${name} must be a level from 0 to 255, got ${value}`, { operator: OP, option: name });
  return value;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
