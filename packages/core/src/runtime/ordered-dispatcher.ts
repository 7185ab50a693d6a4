import type { Ordering } from '../dsl/node-options.js';

/** A record's work; it calls `done` once, when the next job of its lane may start. */
export type Job = (done: () => void) => void;

const noop = () => undefined;

/**
 * Runs record jobs with the node's ordering: jobs sharing a lane (a key, or a partition) run one
 * after another; different lanes run in parallel. Unordered jobs start at once. Callbacks, not
 * promises: this is on every record's path.
 */
export class OrderedDispatcher {
  /** Busy lanes and the jobs waiting in each. */
  private readonly queues = new Map<string, JobQueue>();

  constructor(private readonly ordering: Ordering) {}

  dispatch(lanes: { key: string; partition: string }, job: Job): void {
    if (this.ordering === 'unordered') return job(noop);
    const lane = this.ordering === 'key' ? `k:${lanes.partition}:${lanes.key}` : `p:${lanes.partition}`;
    const queue = this.queues.get(lane);
    if (queue) {
      queue.jobs.push(job);
      return;
    }
    this.queues.set(lane, { jobs: [], head: 0 });
    this.run(lane, job);
  }

  /** Runs a lane's jobs; a loop rather than recursion, so a long run of jobs that finish at once cannot overflow the stack. */
  private run(lane: string, first: Job): void {
    let job: Job | undefined = first;
    while (job) {
      let inside = true;
      let finishedInside = false;
      job(() => {
        if (inside) finishedInside = true;
        else {
          const next = this.takeNext(lane);
          if (next) this.run(lane, next);
        }
      });
      inside = false;
      job = finishedInside ? this.takeNext(lane) : undefined;
    }
  }

  private takeNext(lane: string): Job | undefined {
    const queue = this.queues.get(lane);
    if (!queue || queue.head >= queue.jobs.length) {
      this.queues.delete(lane);
      return undefined;
    }
    const next = queue.jobs[queue.head++]!;
    // Array.shift() moves every waiting job; drop the taken ones now and then instead.
    if (queue.head > 1024 && queue.head * 2 > queue.jobs.length) {
      queue.jobs.splice(0, queue.head);
      queue.head = 0;
    }
    return next;
  }
}

/** A lane's waiting jobs; `head` is the next to run. */
interface JobQueue {
  readonly jobs: Job[];
  head: number;
}
