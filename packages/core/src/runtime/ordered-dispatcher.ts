import type { Ordering } from '../dsl/node-options.js';

/**
 * Runs record jobs with the node's ordering: jobs sharing a lane (a key, or a partition) run one
 * after another; different lanes run in parallel. Unordered jobs start at once.
 */
export class OrderedDispatcher {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly ordering: Ordering) {}

  dispatch(lanes: { key: string; partition: string }, job: () => Promise<void>): Promise<void> {
    if (this.ordering === 'unordered') return job();
    const lane = this.ordering === 'key' ? `k:${lanes.partition}:${lanes.key}` : `p:${lanes.partition}`;
    const previous = this.tails.get(lane);
    const run = previous ? previous.then(job, job) : job();
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return run;
  }
}
