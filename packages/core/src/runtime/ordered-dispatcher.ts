import type { Ordering } from '../dsl/node-options.js';

/** A record's work; it calls `done` once, when the next job of its lane may start. */
export type Job = (done: () => void) => void;

const noop = () => undefined;

/** The lane of every job of a partition when the ordering is by partition. */
const WHOLE_PARTITION = '';

/**
 * Runs record jobs with the node's ordering: jobs sharing a lane (a key within its partition, or the
 * whole partition) run one after another; different lanes run in parallel. Unordered jobs start at
 * once. Callbacks, not promises, and no allocation for a lane nobody waits on: this is on every
 * record's path.
 */
export class OrderedDispatcher {
  /** Per partition, its busy lanes: null while nothing waits behind the running job, else the waiting jobs. */
  private readonly busy = new Map<string, Map<string, JobQueue | null>>();

  constructor(private readonly ordering: Ordering) {}

  /** Whether jobs are ordered by key, so the caller must name each job's key (else any string will do). */
  get byKey(): boolean {
    return this.ordering === 'key';
  }

  dispatch(partition: string, key: string, job: Job): void {
    if (this.ordering === 'unordered') return job(noop);
    const lane = this.ordering === 'key' ? key : WHOLE_PARTITION;
    let lanes = this.busy.get(partition);
    if (!lanes) this.busy.set(partition, (lanes = new Map()));
    if (lanes.has(lane)) {
      let queue = lanes.get(lane);
      if (!queue) lanes.set(lane, (queue = { jobs: [], head: 0 }));
      queue.jobs.push(job);
      return;
    }
    lanes.set(lane, null);
    this.run(lanes, lane, job);
  }

  /** Runs a lane's jobs; a loop rather than recursion, so a long run of jobs that finish at once cannot overflow the stack. */
  private run(lanes: Map<string, JobQueue | null>, lane: string, first: Job): void {
    let job: Job | undefined = first;
    while (job) {
      let inside = true;
      let finishedInside = false;
      job(() => {
        if (inside) finishedInside = true;
        else {
          const next = this.takeNext(lanes, lane);
          if (next) this.run(lanes, lane, next);
        }
      });
      inside = false;
      job = finishedInside ? this.takeNext(lanes, lane) : undefined;
    }
  }

  private takeNext(lanes: Map<string, JobQueue | null>, lane: string): Job | undefined {
    const queue = lanes.get(lane);
    if (!queue || queue.head >= queue.jobs.length) {
      lanes.delete(lane);
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
