import type { Outcome } from '../../dsl/source.js';
import { HeaderNames } from '../../records/headers.js';
import type { StreamRecord } from '../../records/record.js';
import type { TopicSerde } from '../../serde/topic-serde.js';
import type { IncomingMessage } from '../../transport/transport.js';
import type { FailedInput } from '../dead-letter.js';
import type { InboundRecord } from './inbound-record.js';
import type { Cause } from './record-output.js';

/** A record read from an input topic, as the record path takes it. */
export class TopicInbound implements InboundRecord {
  readonly error = undefined;

  constructor(
    private readonly m: IncomingMessage,
    private readonly serde: TopicSerde<unknown, unknown>,
    /** The stream time at its place in the partition, for a stateful node. */
    private readonly streamTime?: number,
  ) {}

  get topic(): string {
    return this.m.topic;
  }

  get partition(): number {
    return this.m.partition;
  }

  get offset(): number {
    return this.m.offset;
  }

  decodeNow(): StreamRecord<unknown, unknown> | undefined {
    return this.serde.fromInputIfKnown(this.m);
  }

  decode(): Promise<StreamRecord<unknown, unknown>> {
    return this.serde.fromInput(this.m);
  }

  cause(_rec: StreamRecord<unknown, unknown>, keyText: string | undefined): Cause {
    return { origin: this.describe(), traceId: this.m.headers[HeaderNames.traceId] ?? keyText, traceparent: this.m.headers[HeaderNames.traceparent], streamTime: this.streamTime };
  }

  describe(): string {
    return `${this.m.topic}/${this.m.partition}/${this.m.offset}`;
  }

  failedInput(keyText: string | undefined): FailedInput {
    const m = this.m;
    return { topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, keyText: keyText ?? null };
  }

  /** Nothing to tell: the offset commit follows from the record's completion. */
  settle(_outcome: Outcome): void {}
}
