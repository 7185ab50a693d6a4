import type { VisionFlowError } from '../../errors/vision-flow-error.js';
import { mapKafkaError, type KafkaErrorContext } from './map-kafka-error.js';
import { errorCodes, type LibrdKafkaError } from './rdkafka.js';

/** Who a group member is, for the errors the parts of a KafkaConsumer raise. */
export interface GroupMember {
  readonly address: string;
  readonly groupId: string;
}

/** librdkafka's error as a group member's VisionFlowError. */
export function memberError(member: GroupMember, e: unknown, operation: string, extra: Partial<KafkaErrorContext> = {}): VisionFlowError {
  return mapKafkaError(e, { address: member.address, operation, groupId: member.groupId, ...extra });
}

/** Whether librdkafka says the handle is beyond repair (its fatal flag, or the generic _FATAL code). */
export function isFatal(err: LibrdKafkaError | undefined): boolean {
  return err !== undefined && (err.isFatal === true || err.code === errorCodes()['ERR__FATAL']);
}
