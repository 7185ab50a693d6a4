import { TimeoutError } from '../errors/timeout-error.js';
import { delay } from '../internal/delay.js';
import type { TopologyRunner } from '../runtime/topology-runner.js';
import type { OutputCapture } from './output-capture.js';

/**
 * Waits until a running topology has done everything it can: no record in flight, no punctuation
 * output pending, and every node's group committed up to the end of its inputs. Then what the nodes
 * wrote is collected, so a test reads it synchronously.
 */
export class Quiescence {
  constructor(
    private readonly runner: TopologyRunner,
    private readonly capture: OutputCapture,
    private readonly timeoutMs: number,
  ) {}

  async settle(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    // Two quiet checks in a row: a record passing from one node to the next shows as lag in one of them.
    for (let quiet = 0; quiet < 2; ) {
      await delay(1);
      await this.throwIfFailed();
      quiet = (await this.isQuiet()) ? quiet + 1 : 0;
      if (quiet < 2 && Date.now() > deadline) {
        const busy = this.runner.stats().map((s) => `${s.node}: ${s.state}, ${s.inFlight} in flight`).join('; ');
        throw new TimeoutError(`the topology did not settle within ${this.timeoutMs} ms (${busy})`, this.timeoutMs);
      }
    }
    await this.capture.collect();
  }

  /** A node that failed rejects the runner's `done` with its error: the test sees that error. */
  private async throwIfFailed(): Promise<void> {
    if (this.runner.stats().some((s) => s.state === 'failed')) await this.runner.done;
  }

  private async isQuiet(): Promise<boolean> {
    for (const r of this.runner.runners) {
      if (!r.isIdle()) return false;
      await r.commitNow();
      if ((await this.runner.lag(r)) > 0) return false;
    }
    return true;
  }
}
