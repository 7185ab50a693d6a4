// @vision-flow/core/testing: what a user's tests need besides the main surface, to run topologies
// in one process and look inside. Not for production code.

// --- Test driver: a topology (or some of its nodes) in one process with simulated wall-clock time
export { testDriver, TestDriver, type TestDriverOptions } from './test-driver.js';
export { TestInputTopic, type TestRecord } from './test-input-topic.js';
export { TestOutputTopic } from './test-output-topic.js';
export type { TestDeadLetter } from './test-dead-letter.js';

// --- Sources
export { items, Item } from './items.js';

// --- Retry
export { TEST_RETRY } from '../retry/defaults.js';

// --- Embedded broker: give several MemoryTransports one broker to stand for several processes,
// and read its groups' state and lag.
export { MemoryBroker, type GroupLag, type PartitionLag } from '../transport/memory/memory-broker.js';
export type { GroupDescription, GroupMemberDescription, GroupState } from '../transport/memory/consumer-group.js';

// --- Partitioning: the partition Kafka's default partitioner (and the memory transport) picks for a key.
export { murmur2Partition } from '../internal/murmur2.js';

// --- Kafka client settings: the librdkafka configuration KafkaTransport uses, for raw-client baselines.
export { producerConfig, consumerConfig } from '../transport/kafka/kafka-config.js';
