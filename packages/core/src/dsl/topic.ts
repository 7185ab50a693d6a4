import { avro, type AvroSchema } from '../serde/avro/schema.js';
import { TopologyError } from '../errors/topology-error.js';
import { checkPositiveInt } from '../options/check-positive-int.js';
import { toMillis, type Duration } from '../types.js';

export interface TopicOptions<K, V> {
  /** Avro schema of the values; the topic's TS value type follows from it. */
  readonly value: AvroSchema<V>;
  /** Avro schema of the keys; defaults to `string`. */
  readonly key?: AvroSchema<K>;
  /** Defaults to 6: enough parallelism for a node to scale to a few instances. */
  readonly partitions?: number;
  /** Keep only the latest value per key (`cleanup.policy=compact`), as for tables and changelogs. */
  readonly compacted?: boolean;
  readonly retention?: Duration;
  /** Largest record in bytes; defaults to 1 MiB, raise it for topics that carry images. */
  readonly maxMessageBytes?: number;
  readonly doc?: string;
}

declare const INVARIANT: unique symbol;

/**
 * A Kafka topic with Avro key and value schemas. Nodes talk only through topics. The phantom
 * member makes `Topic<K, V>` invariant, so writing records of another type to it is a compile error.
 */
export interface Topic<K, V> {
  readonly name: string;
  readonly key: AvroSchema<K>;
  readonly value: AvroSchema<V>;
  readonly partitions: number;
  readonly compacted: boolean;
  readonly retentionMs: number | undefined;
  readonly maxMessageBytes: number;
  readonly doc: string | undefined;
  readonly [INVARIANT]?: (key: K, value: V) => [K, V];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTopic = Topic<any, any>;

export const DEFAULT_PARTITIONS = 6;
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Declares a topic. Nothing is created until a topology using it runs.
 *
 * @example
 * const images = topic('images.submitted', { value: ImageSubmitted, partitions: 6, maxMessageBytes: 16 << 20 });
 */
export function topic<V, K = string>(name: string, opts: TopicOptions<K, V>): Topic<K, V> {
  assertTopicName(name);
  const partitions = checkPositiveInt(opts.partitions ?? DEFAULT_PARTITIONS, 'partitions', `topic "${name}"`, (m) => new TopologyError(m, { topic: name }));
  return Object.freeze({
    name,
    key: opts.key ?? (avro.string() as unknown as AvroSchema<K>),
    value: opts.value,
    partitions,
    compacted: opts.compacted ?? false,
    retentionMs: opts.retention === undefined ? undefined : toMillis(opts.retention, `topic "${name}" retention`),
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    doc: opts.doc,
  });
}

export function assertTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new TopologyError(`topic name "${name}" is not legal in Kafka: use 1–249 characters of a-z, A-Z, 0-9, ".", "_" and "-"`, { topic: name });
  }
}
