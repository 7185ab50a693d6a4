import type { DeadLetter } from '../runtime/dead-letter.js';
import type { TopicSerde } from '../serde/topic-serde.js';

/**
 * A dead letter as a test reads it: why (code, message, the error's context) and which input, with
 * the input's key and value decoded by its topic's schemas. The wall-clock `failedAt` and the
 * headers are left out so that tests can compare whole objects.
 */
export interface TestDeadLetter {
  readonly code: string;
  readonly message: string;
  readonly node: string;
  readonly operator: string;
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: number | null;
  readonly attempts: number;
  /** The error's context fields as strings, e.g. `{ lateness: '120', windowEnd: '500', streamTime: '1620' }`. */
  readonly context: { readonly [field: string]: string };
  /** The input's key, decoded; undefined when it had none or it was not readable (e.g. not Avro). */
  readonly key: unknown;
  /** The input's value, decoded; undefined when it had none or it was not readable. */
  readonly value: unknown;
}

/** Decodes a dead letter's original key and value with the schemas of the topic it was read from. */
export async function toTestDeadLetter(dl: DeadLetter, serdes: ReadonlyMap<string, TopicSerde<unknown, unknown>>): Promise<TestDeadLetter> {
  const serde = dl.topic === null ? undefined : serdes.get(dl.topic);
  const decode = async (bytes: Buffer | null, side: 'key' | 'value'): Promise<unknown> => {
    if (bytes === null || !serde) return undefined;
    return serde[side].decode(bytes).catch(() => undefined);
  };
  return {
    code: dl.code,
    message: dl.message,
    node: dl.node,
    operator: dl.operator,
    topic: dl.topic,
    partition: dl.partition,
    offset: dl.offset,
    attempts: dl.attempts,
    context: dl.context,
    key: await decode(dl.key, 'key'),
    value: await decode(dl.value, 'value'),
  };
}
