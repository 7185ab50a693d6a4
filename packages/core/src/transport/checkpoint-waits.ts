/** What a starting checkpoint reports to the waits it answers. */
export interface CheckpointAnswer {
  /** Every message taken before the checkpoint started is acknowledged. */
  done(): void;
  /** A message taken before it may be lost. */
  failed(error: unknown): void;
  /** Nothing known lost, nothing known acknowledged: the next checkpoint answers instead. */
  timedOut(): void;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Waits for "everything taken so far is acknowledged", for a producer that learns it only at its
 * checkpoints (librdkafka reports failures only, see KafkaProducer's `acknowledge: 'checkpoint'`).
 * A wait is answered by the first checkpoint that starts after it; when none starts within
 * `withinMs` (a node without new input commits nothing), one is started for it. All waits between
 * two checkpoints share one promise: a wait costs a reaction, not a promise of its own.
 */
export class CheckpointWaits {
  private pending: Deferred | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly checkpoint: () => Promise<void>,
    private readonly withinMs: number,
  ) {}

  /** Resolves once every message taken before this call is acknowledged; rejects if one may be lost. */
  next(): Promise<void> {
    if (this.pending) return this.pending.promise;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined); // a waiter may have gone (its processor closed); the failure is the checkpoint's to report
    this.pending = { promise, resolve, reject };
    this.timer = setTimeout(() => void this.checkpoint().catch(() => undefined), this.withinMs);
    this.timer.unref();
    return promise;
  }

  /** A checkpoint starts: it answers every wait made so far. */
  starting(): CheckpointAnswer {
    const answered = this.pending;
    this.pending = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    return {
      done: () => answered?.resolve(),
      failed: (error) => answered?.reject(error),
      timedOut: () => {
        if (answered) this.next().then(answered.resolve, answered.reject);
      },
    };
  }
}
