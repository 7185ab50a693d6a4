// The native binding, loaded once. The package is CommonJS with spread exports that Node's ESM
// loader cannot see as named exports, so it comes in through its default export.
import rdkafka from '@confluentinc/kafka-javascript';

export type {
  LibrdKafkaError, Message, DeliveryReport as RdDeliveryReport, TopicPartition as RdTopicPartition,
  TopicPartitionOffset as RdTopicPartitionOffset, MessageHeader, IAdminClient, GlobalConfig,
  ConsumerGlobalConfig, ConsumerTopicConfig, ProducerGlobalConfig,
} from '@confluentinc/kafka-javascript';

export const { KafkaConsumer: RdConsumer, Producer: RdProducer, AdminClient: RdAdmin, OffsetSpec } = rdkafka;

/** librdkafka error codes by name, e.g. `ERR_MSG_SIZE_TOO_LARGE`; numbers as librdkafka defines them. */
export const ERR: Readonly<Record<string, number>> = rdkafka.CODES.ERRORS;

export const librdkafkaVersion: string = rdkafka.librdkafkaVersion;
