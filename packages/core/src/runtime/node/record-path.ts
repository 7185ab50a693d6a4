import { errorCode, errorMessage, isVisionFlowError, VisionFlowError } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { keyToText } from '../../records/key-text.js';
import type { StreamRecord } from '../../records/record.js';
import { retry, type RetryOptions } from '../../retry/retry.js';
import { failureAction } from '../failure-policy.js';
import { failedOperator } from '../pipeline.js';
import { RecordDeadline } from '../record-deadline.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import type { InboundRecord } from './inbound-record.js';
import type { NodeCounts } from './node-stats.js';
import type { Cause } from './record-output.js';
import type { StageChain } from './stage-chain.js';
import type { Task } from './task.js';

type AnyRecord = StreamRecord<unknown, unknown>;
type Outcome = { ok: true } | { ok: false; error: unknown; operator: string; attempts: number };

/**
 * A record whose first attempt (on the fast path) failed; the retry policy takes it from there,
 * decoding the input again. Holding the decoded record instead would keep every record's decoded
 * value and outputs alive until its outputs are acknowledged, which multiplies what the garbage
 * collector copies for each record in flight.
 */
interface FirstAttempt {
  readonly started: number;
  readonly error: unknown;
}

export interface RecordPathOptions {
  readonly node: string;
  readonly chain: StageChain;
  readonly deadLetters: DeadLetterWriter;
  readonly counts: NodeCounts;
  readonly emitter: InstrumentationEmitter;
  readonly log: (message: string) => void;
  /** Retries of a record that failed with a retriable error. */
  readonly retry: RetryOptions;
  /** The node option recordTimeout; undefined for none. */
  readonly timeoutMs: number | undefined;
  /** A failure the node cannot go past (registry unreachable, a dead letter that cannot be written). */
  readonly onFatal: (error: unknown) => void;
}

/**
 * The one path every input record takes, whichever input it came from: decode, the record
 * deadline, the stages and output, the failure policy with its retries, and dead letters.
 * `finished` is called once, when the record's outputs or its dead letter are durable (or its
 * deadline passed).
 */
export class RecordPath {
  constructor(private readonly opts: RecordPathOptions) {}

  /**
   * The fast path: when the writer schemas are known and the task is ready, the first attempt
   * runs without a promise; a failed attempt, a schema to fetch or a bad record takes the general
   * path below.
   */
  run(inbound: InboundRecord, task: Task, finished: () => void): void {
    const { timeoutMs, onFatal } = this.opts;
    const deadline = timeoutMs === undefined
      ? undefined
      : new RecordDeadline(timeoutMs, (e) => this.deadLetter(inbound, e, 'node', 1, undefined).catch(onFatal), finished, { node: this.opts.node, record: inbound.describe() });
    const done = deadline ? deadline.done : finished;
    let rec: AnyRecord | undefined;
    try {
      rec = task.isReady && !inbound.error ? inbound.decodeNow() : undefined;
    } catch {
      rec = undefined; // a bad record: the general path dead-letters it
    }
    if (!rec) return this.general(inbound, task, undefined, deadline, done);
    const started = Date.now();
    const keyText = keyToText(rec.key);
    this.opts.chain.continueAt(rec, 0, task, inbound.cause(rec, keyText), (error) => {
      if (deadline?.expired) return; // dead-lettered as RECORD_TIMEOUT already
      if (error !== undefined) {
        if (failureAction(error) !== 'dead-letter') return this.general(inbound, task, { started, error }, deadline, done);
        // No retry can help (a late record, a poison one): set it aside now; the general path would decode it again to get here.
        void this.deadLetter(inbound, error, failedOperator(error) ?? 'pipeline', 1, keyText).catch(onFatal).finally(done);
        return;
      }
      this.processed(inbound, keyText, started);
      done();
    });
  }

  /** Starts the general path; `done` follows whatever it ends with. A method, not a closure made for every record. */
  private general(inbound: InboundRecord, task: Task, first: FirstAttempt | undefined, deadline: RecordDeadline | undefined, done: () => void): void {
    void this.runGeneral(inbound, task, first, deadline?.signal).catch(this.opts.onFatal).finally(done);
  }

  /** The general path: decodes (fetching schemas), dead-letters what cannot be read, retries under the policy. */
  private async runGeneral(inbound: InboundRecord, task: Task, first: FirstAttempt | undefined, expired: AbortSignal | undefined): Promise<void> {
    const started = first?.started ?? Date.now();
    let rec: AnyRecord;
    try {
      rec = await inbound.decode();
    } catch (e) {
      if (isVisionFlowError(e) && e.retriable) throw e; // registry unreachable: not the record's fault
      return this.deadLetter(inbound, e, 'deserialize', 1, undefined);
    }
    const keyText = keyToText(rec.key);
    if (inbound.error) return this.deadLetter(inbound, inbound.error, 'source', 1, keyText);
    await task.ready;
    const outcome = await this.runWithRetries(rec, task, inbound.cause(rec, keyText), first?.error, expired);
    if (expired?.aborted) return; // dead-lettered as RECORD_TIMEOUT already
    if (outcome.ok) this.processed(inbound, keyText, started);
    else await this.deadLetter(inbound, outcome.error, outcome.operator, outcome.attempts, keyText);
  }

  /**
   * Runs a record through the stages under the failure policy: retriable errors are retried,
   * errors that say the node cannot work are thrown (the node fails), anything else is returned
   * for the dead-letter topic.
   */
  private async runWithRetries(rec: AnyRecord, task: Task, cause: Cause, firstError: unknown, expired: AbortSignal | undefined): Promise<Outcome> {
    let attempts = 0;
    let last: unknown;
    const onRetry = ({ attempt, error }: { attempt: number; error: unknown }) => this.opts.log(`${this.opts.node}: record ${keyToText(rec.key) ?? ''} failed (attempt ${attempt}), retrying: ${errorMessage(error)}`);
    try {
      await retry(this.opts.retry, onRetry, expired)(async (bail) => {
        attempts++;
        try {
          // The fast path already made the first attempt; its error counts as attempt 1.
          if (attempts === 1 && firstError !== undefined) throw firstError;
          await this.opts.chain.runFrom(rec, 0, task, cause);
        } catch (e) {
          last = e;
          if (failureAction(e) !== 'retry') bail(e);
          throw e;
        }
      });
      return { ok: true };
    } catch (e) {
      if (failureAction(e) === 'fail') throw e;
      return { ok: false, error: e, operator: failedOperator(e) ?? failedOperator(last) ?? 'pipeline', attempts };
    }
  }

  private processed(inbound: InboundRecord, keyText: string | undefined, started: number): void {
    this.opts.counts.processed++;
    const { emitter, node } = this.opts;
    if (emitter.wants('node.record_processed')) emitter.emit('node.record_processed', { node, topic: inbound.topic, partition: inbound.partition, offset: inbound.offset, key: keyText, durationMs: Date.now() - started });
    inbound.settle({ ok: true });
  }

  private async deadLetter(inbound: InboundRecord, error: unknown, operator: string, attempts: number, keyText: string | undefined): Promise<void> {
    await this.opts.deadLetters.write(error, operator, inbound.failedInput(keyText), attempts);
    inbound.settle({ ok: false, error: isVisionFlowError(error) ? error : new VisionFlowError(errorMessage(error), { code: errorCode(error), retriable: false, cause: error }) });
  }
}
