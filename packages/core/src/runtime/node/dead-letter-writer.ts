import { errorCode, errorMessage } from '../../errors/vision-flow-error.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { keyToText } from '../../records/key-text.js';
import { StreamRecord, isStreamRecord } from '../../records/record.js';
import { DEAD_LETTER_RETRY } from '../../retry/defaults.js';
import { retry } from '../../retry/retry.js';
import type { TopicSerde } from '../../serde/topic-serde.js';
import { toDeadLetter, type DeadLetter, type FailedInput } from '../dead-letter.js';
import type { NodeCounts } from './node-stats.js';
import type { RecordOutput } from './record-output.js';

/** Sets a failed record aside on the node's dead-letter topic, with the reason in its headers. */
export class DeadLetterWriter {
  constructor(
    private readonly node: string,
    private readonly serde: TopicSerde<string | null, DeadLetter>,
    private readonly output: RecordOutput,
    private readonly counts: NodeCounts,
    private readonly emitter: InstrumentationEmitter,
    /** A dead letter that cannot be written: the record must not be committed, so the node stops. */
    private readonly onFatal: (error: unknown) => void,
  ) {}

  /** Resolves once the dead letter is written; rejects (after retries) when it cannot be. */
  async write(error: unknown, operator: string, input: FailedInput, attempts = 1): Promise<void> {
    const { value, headers } = toDeadLetter(this.node, operator, error, input, attempts);
    const message = this.serde.toMessage(new StreamRecord({ key: input.keyText, value, headers }));
    await retry(DEAD_LETTER_RETRY)(() => this.output.write(message));
    this.counts.deadLettered++;
    this.emitter.emit('node.record_dead_lettered', { node: this.node, code: errorCode(error), message: errorMessage(error), operator, topic: input.topic, partition: input.partition, offset: input.offset, key: input.keyText ?? undefined });
  }

  /** An output a punctuator forwarded failed downstream: there is no input to blame, so the output itself is set aside. */
  readonly punctuationFailed = (error: unknown, rec: unknown, stage: string): void => {
    const keyText = isStreamRecord(rec) ? keyToText(rec.key) ?? null : null;
    const input: FailedInput = { key: null, value: this.output.tryEncode(rec), headers: isStreamRecord(rec) ? rec.headers : {}, keyText };
    void this.write(error, stage, input).catch(this.onFatal);
  };
}
