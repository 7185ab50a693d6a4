import type { Outcome, SourceEnvelope } from '../../dsl/source.js';
import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import { HeaderNames } from '../../records/headers.js';
import { keyToText } from '../../records/key-text.js';
import type { StreamRecord } from '../../records/record.js';
import type { FailedInput } from '../dead-letter.js';
import type { InboundRecord } from './inbound-record.js';
import type { Cause } from './record-output.js';

/** A record from a source (a folder, an HTTP request), as the record path takes it. */
export class SourceInbound implements InboundRecord {
  readonly topic = undefined;
  readonly partition = undefined;
  readonly offset = undefined;

  constructor(
    private readonly envelope: SourceEnvelope<unknown, unknown>,
    private readonly node: string,
    /** The stream time at its place in the source's order, for a stateful node. */
    private readonly streamTime?: number,
  ) {}

  get error(): VisionFlowError | undefined {
    return this.envelope.error;
  }

  decodeNow(): StreamRecord<unknown, unknown> {
    return this.envelope.record as StreamRecord<unknown, unknown>;
  }

  decode(): Promise<StreamRecord<unknown, unknown>> {
    return Promise.resolve(this.decodeNow());
  }

  /** A trace starts here: the record's own trace id, else its key, else a new one. */
  cause(rec: StreamRecord<unknown, unknown>, keyText: string | undefined): Cause {
    return { origin: undefined, traceId: rec.headers[HeaderNames.traceId] ?? keyText ?? `${this.node}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`, traceparent: rec.headers[HeaderNames.traceparent], streamTime: this.streamTime };
  }

  describe(): string {
    return keyToText(this.envelope.record.key) ?? 'from the source';
  }

  /** A source's input has no bytes of its own to keep: the dead letter keeps its headers and key. */
  failedInput(keyText: string | undefined): FailedInput {
    return { key: null, value: null, headers: this.envelope.record.headers, keyText: keyText ?? keyToText(this.envelope.record.key) ?? null };
  }

  settle(outcome: Outcome): void {
    this.envelope.settle?.(outcome);
  }
}
