import { VirtualTimeScheduler } from 'rxjs';

/**
 * The wall clock of a test driver: an RxJS virtual-time scheduler that only moves when told, so
 * wall-clock punctuators fire at exact times. A punctuator every 1000 ms fires three times when the
 * clock moves 3000 ms, each time with its own due time as `now()`.
 */
export class VirtualWallClock extends VirtualTimeScheduler {
  constructor(startTime: number) {
    super();
    this.frame = startTime;
  }

  /** Runs every action due up to `time`, in time order, then stands at `time`. */
  advanceTo(time: number): void {
    if (time < this.frame) throw new RangeError(`the wall clock cannot go back (from ${this.frame} to ${time})`);
    this.maxFrames = time;
    this.flush();
    this.frame = time;
  }
}
