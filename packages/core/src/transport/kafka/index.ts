// The kafka transport's surface, for packages/core/src/index.ts to re-export.
export { KafkaTransport } from './kafka-transport.js';
export { KAFKA_DEFAULTS, MAX_MESSAGE_BYTES, type KafkaTransportOptions, type LibrdkafkaValue } from './kafka-config.js';
