import type { Ordering } from '../dsl/node-options.js';

/** A record's work; it calls `done` once, when the next job of its lane may start. */
export type Job = (done: () => void) => void;

/** A job's lane, or how to name it: computed only when another job could have to wait for it. */
export type Lane = string | (() => string);

const noop = () => undefined;

/** The lane of every job of a partition when the ordering is by partition. */
const WHOLE_PARTITION = '';

/** Where a job's lane is entered as busy, once it is. */
interface Entered {
  readonly lanes: Map<string, JobQueue | null>;
  readonly lane: string;
}

/** A job started with nothing else of its partition busy, not entered in the lanes unless it has to be. */
interface Alone {
  readonly partition: string;
  readonly lane: Lane;
  entered: Entered | undefined;
  finished: boolean;
}

/**
 * Runs record jobs with the node's ordering: jobs sharing a lane (a key within its partition, or the
 * whole partition) run one after another; different lanes run in parallel. Unordered jobs start at
 * once. Callbacks, not promises: this is on every record's path. A job that finishes inside its
 * call while nothing else of its partition is busy (a synchronous pipeline's every record) costs no
 * lane key and no map entry.
 */
export class OrderedDispatcher {
  /** Per partition, its busy lanes: null while nothing waits behind the running job, else the waiting jobs. */
  private readonly busy = new Map<string, Map<string, JobQueue | null>>();
  /** The job running alone inside its call: a job dispatched meanwhile must see its lane busy. */
  private alone: Alone | undefined;

  constructor(private readonly ordering: Ordering) {}

  /** Whether jobs are ordered by key, so the caller must name each job's lane (else any string will do). */
  get byKey(): boolean {
    return this.ordering === 'key';
  }

  dispatch(partition: string, lane: Lane, job: Job): void {
    if (this.ordering === 'unordered') return job(noop);
    if (this.alone) this.enter(this.alone);
    const lanes = this.busy.get(partition);
    if (lanes === undefined || lanes.size === 0) return this.runAlone({ partition, lane, entered: undefined, finished: false }, job);
    const name = this.nameOf(lane);
    if (lanes.has(name)) {
      let queue = lanes.get(name);
      if (!queue) lanes.set(name, (queue = { jobs: [], head: 0 }));
      queue.jobs.push(job);
      return;
    }
    lanes.set(name, null);
    this.run(lanes, name, job);
  }

  private runAlone(alone: Alone, job: Job): void {
    const outer = this.alone;
    this.alone = alone;
    try {
      job(() => {
        const entered = alone.entered;
        alone.finished = true;
        if (!entered) return; // nobody needed its lane
        const next = this.takeNext(entered.lanes, entered.lane);
        if (next) this.run(entered.lanes, entered.lane, next);
      });
    } finally {
      this.alone = outer;
    }
    if (!alone.finished) this.enter(alone); // it goes on after its call: jobs of its lane wait for it
  }

  /** Enters a job running alone in its partition's lanes, as busy. */
  private enter(alone: Alone): void {
    if (alone.entered || alone.finished) return;
    let lanes = this.busy.get(alone.partition);
    if (!lanes) this.busy.set(alone.partition, (lanes = new Map()));
    const lane = this.nameOf(alone.lane);
    lanes.set(lane, null);
    alone.entered = { lanes, lane };
  }

  private nameOf(lane: Lane): string {
    if (this.ordering !== 'key') return WHOLE_PARTITION;
    return typeof lane === 'string' ? lane : lane();
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
