import { avro, type Infer } from '../serde/avro/schema.js';
import { topic, type Topic } from '../dsl/topic.js';
import { HeaderNames, type Headers } from '../records/headers.js';
import { errorCode, errorMessage, isVisionFlowError } from '../errors/vision-flow-error.js';

/** The Avro envelope of every dead-letter topic: why, where, and the original bytes. */
export const DeadLetterSchema = avro.record(
  'vision_flow.DeadLetter',
  {
    code: avro.field(avro.string(), { doc: 'Stable reason code, e.g. IMAGE_UNDECODABLE or NOT_CONFLUENT_AVRO' }),
    message: avro.string(),
    node: avro.string(),
    operator: avro.field(avro.string(), { doc: 'Operator that failed, or deserialize / produce' }),
    topic: avro.nullable(avro.string()),
    partition: avro.nullable(avro.int()),
    offset: avro.nullable(avro.long()),
    attempts: avro.int(),
    failedAt: avro.timestampMillis(),
    key: avro.field(avro.nullable(avro.bytes()), { doc: 'Original key bytes as read' }),
    value: avro.field(avro.nullable(avro.bytes()), { doc: 'Original value bytes as read' }),
    headers: avro.map(avro.string()),
    context: avro.field(avro.map(avro.string()), { default: {}, doc: 'Error context fields' }),
  },
  { doc: 'A record a node could not process; written to <node>.dlq' },
);

export type DeadLetter = Infer<typeof DeadLetterSchema>;

export function deadLetterTopic(name: string): Topic<string | null, DeadLetter> {
  return topic(name, { value: DeadLetterSchema, key: avro.nullable(avro.string()), partitions: 1, maxMessageBytes: 32 << 20 });
}

export interface FailedInput {
  readonly topic?: string | undefined;
  readonly partition?: number | undefined;
  readonly offset?: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  /** Printable key for the dead letter's own key (image id...). */
  readonly keyText: string | null;
}

/** Builds the envelope and headers for a failed input; the error's code and context travel along. */
export function toDeadLetter(node: string, operator: string, error: unknown, input: FailedInput, attempts = 1): { value: DeadLetter; headers: Headers } {
  const code = errorCode(error);
  const message = errorMessage(error);
  const context: { [k: string]: string } = {};
  if (isVisionFlowError(error)) {
    for (const [k, v] of Object.entries(error.context)) if (v !== undefined) context[k] = String(v);
  }
  const value: DeadLetter = {
    code,
    message,
    node,
    operator,
    topic: input.topic ?? null,
    partition: input.partition ?? null,
    offset: input.offset ?? null,
    attempts,
    failedAt: Date.now(),
    key: input.key,
    value: input.value,
    headers: { ...input.headers },
    context,
  };
  const headers: Headers = {
    ...input.headers,
    [HeaderNames.errorCode]: code,
    [HeaderNames.errorMessage]: message.slice(0, 1000),
    [HeaderNames.errorNode]: node,
    [HeaderNames.errorOperator]: operator,
    [HeaderNames.errorAttempts]: String(attempts),
    ...(input.topic !== undefined ? { [HeaderNames.origin]: `${input.topic}/${input.partition}/${input.offset}` } : {}),
  };
  return { value, headers };
}
