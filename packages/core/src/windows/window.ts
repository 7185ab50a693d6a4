import type { HoppingWindows } from './hopping.js';
import type { SessionWindows } from './session.js';
import type { SlidingWindows } from './sliding.js';
import type { TumblingWindows } from './tumbling.js';

/** A time window `[start, end)` in event-time milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Fixed-size windows (tumbling, hopping): which windows a timestamp falls in. */
export interface FixedWindows {
  readonly kind: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  readonly advanceMs: number;
  /** How long after a window's end late records are still accepted (event time). */
  readonly graceMs: number;
  /**
   * Every window containing `timestamp`, oldest first. As in Kafka Streams no window starts
   * before 0, and a negative timestamp has none.
   */
  windowsFor(timestamp: number): TimeWindow[];
}

/** Any window kind `windowedBy` takes. */
export type Windows = TumblingWindows | HoppingWindows | SlidingWindows | SessionWindows;

/** Fixed windows as Kafka Streams' `TimeWindows.windowsFor` computes them (starts aligned to the advance, never negative). */
export function fixedWindowsFor(timestamp: number, sizeMs: number, advanceMs: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  if (timestamp < 0) return out;
  let start = Math.floor(Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs;
  for (; start <= timestamp; start += advanceMs) out.push({ start, end: start + sizeMs });
  return out;
}
