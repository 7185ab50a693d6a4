import { VisionFlowError } from '../../errors/vision-flow-error.js';

/**
 * The errors the memory transport raises, with the codes the kafka transport maps Kafka's own
 * errors to, so callers handle both alike.
 */
export const MemoryErrors = {
  unknownTopic(topic: string): VisionFlowError {
    return new VisionFlowError(
      `topic "${topic}" does not exist; topics are created by admin().createTopics (the memory broker does not auto-create topics, like Kafka with auto.create.topics.enable=false)`,
      { code: 'UNKNOWN_TOPIC', retriable: false },
      { topic, broker: 'memory' },
    );
  },

  unknownPartition(topic: string, partition: number, partitions: number): VisionFlowError {
    return new VisionFlowError(
      `topic "${topic}" has no partition ${partition}; it has ${partitions} (0-${partitions - 1})`,
      { code: 'UNKNOWN_PARTITION', retriable: false },
      { topic, partition, partitions, broker: 'memory' },
    );
  },

  messageTooLarge(topic: string, sizeBytes: number, maxMessageBytes: number): VisionFlowError {
    return new VisionFlowError(
      `a message of ${sizeBytes} bytes is larger than topic "${topic}" takes (maxMessageBytes ${maxMessageBytes}); raise the topic's maxMessageBytes or send less`,
      { code: 'MESSAGE_TOO_LARGE', retriable: false },
      { topic, sizeBytes, maxMessageBytes, broker: 'memory' },
    );
  },

  notAssigned(groupId: string, topic: string, partition: number): VisionFlowError {
    return new VisionFlowError(
      `cannot commit ${topic}/${partition} for group "${groupId}": this member does not own the partition (it was never assigned or has been revoked)`,
      { code: 'NOT_ASSIGNED', retriable: false },
      { groupId, topic, partition, broker: 'memory' },
    );
  },

  closed(what: 'producer' | 'consumer' | 'transport', clientId: string): VisionFlowError {
    return new VisionFlowError(`the memory ${what} "${clientId}" is closed`, { code: `${what.toUpperCase()}_CLOSED`, retriable: false }, { clientId, broker: 'memory' });
  },

  invalidArgument(message: string): VisionFlowError {
    return new VisionFlowError(message, { code: 'INVALID_ARGUMENT', retriable: false }, { broker: 'memory' });
  },

  rebalanceListenerFailed(groupId: string, callback: 'onAssigned' | 'onRevoked', cause: unknown): VisionFlowError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new VisionFlowError(`the ${callback} rebalance listener of a group "${groupId}" member failed: ${reason}`, { code: 'REBALANCE_LISTENER_FAILED', retriable: false, cause }, { groupId, callback, broker: 'memory' });
  },
} as const;
