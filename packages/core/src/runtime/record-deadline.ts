import { VisionFlowError } from '../errors/vision-flow-error.js';

/**
 * A record's time limit in its node (the `recordTimeout` node option), as Kafka Streams'
 * `task.timeout.ms` bounds a stuck task. A hung operator (a model server that never answers)
 * would otherwise hold its in-flight slot and its partition's commit forever.
 *
 * Exactly one of two things ends the record: its work calls `done` in time, or the limit passes,
 * `expire` runs (the node dead-letters the record as RECORD_TIMEOUT) and then `finish`. Work that
 * ends after that is ignored, and `signal` aborts so its retries stop. Outputs it already wrote
 * stay written: delivery is at-least-once.
 */
export class RecordDeadline {
  private state: 'running' | 'expired' | 'finished' = 'running';
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly timeoutMs: number,
    expire: (error: VisionFlowError) => Promise<void>,
    private readonly finish: () => void,
    context: { node: string; record: string },
  ) {
    this.timer = setTimeout(() => {
      this.state = 'expired';
      this.abort.abort();
      const error = new VisionFlowError(
        `record ${context.record} did not finish within ${timeoutMs} ms in node "${context.node}" (node option recordTimeout); it was dead-lettered and its slot freed`,
        { code: 'RECORD_TIMEOUT', retriable: false },
        { node: context.node, timeoutMs },
      );
      void expire(error).finally(finish);
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get expired(): boolean {
    return this.state === 'expired';
  }

  /** The record's work ended: completes it, unless the limit already did. */
  readonly done = (): void => {
    if (this.state !== 'running') return;
    this.state = 'finished';
    clearTimeout(this.timer);
    this.finish();
  };
}
