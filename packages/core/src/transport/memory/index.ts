// The memory transport's surface, for packages/core/src/index.ts to re-export.
export { MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';
export { MemoryBroker, type GroupLag, type PartitionLag } from './memory-broker.js';
export type { GroupDescription, GroupMemberDescription, GroupState } from './consumer-group.js';
export type { MemoryConsumer } from './memory-consumer.js';
export type { MemoryProducer } from './memory-producer.js';
export type { MemoryAdmin } from './memory-admin.js';
