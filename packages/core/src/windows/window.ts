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
  /** Every window containing `timestamp`, oldest first. */
  windowsFor(timestamp: number): TimeWindow[];
}
