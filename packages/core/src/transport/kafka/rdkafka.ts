// The native binding, loaded when the first Kafka client is made: a run on the memory transport
// (and `vision-flow graph`, `schemas`, ...) never loads librdkafka and its own OpenSSL (~15 ms at
// every start). Required, not imported: the package is CommonJS with spread exports that Node's
// ES module loader cannot see as named exports. Node's module cache makes every later call a lookup.
import { createRequire } from 'node:module';

export type {
  LibrdKafkaError, Message, DeliveryReport as RdDeliveryReport, TopicPartition as RdTopicPartition,
  TopicPartitionOffset as RdTopicPartitionOffset, MessageHeader, IAdminClient, GlobalConfig,
  ConsumerGlobalConfig, ConsumerTopicConfig, ProducerGlobalConfig,
} from '@confluentinc/kafka-javascript';

type Binding = typeof import('@confluentinc/kafka-javascript');
export type RdConsumer = InstanceType<Binding['KafkaConsumer']>;
export type RdProducer = InstanceType<Binding['Producer']>;
export type RdOffsetSpec = Binding['OffsetSpec'][keyof Binding['OffsetSpec']];

const requireHere = createRequire(import.meta.url);

export function rdkafka(): Binding {
  return requireHere('@confluentinc/kafka-javascript') as Binding;
}

/** librdkafka error codes by name, e.g. `ERR_MSG_SIZE_TOO_LARGE`; numbers as librdkafka defines them. */
export function errorCodes(): Readonly<Record<string, number>> {
  return rdkafka().CODES.ERRORS;
}

/** The codes of `names` that this librdkafka defines. */
export function codesOf(...names: string[]): ReadonlySet<number> {
  const all = errorCodes();
  return new Set(names.map((n) => all[n]).filter((c): c is number => c !== undefined));
}
