import { VisionFlowError } from '@vision-flow/core';

/** Why a command was refused; the code of the dead letter it becomes. */
export type RejectionCode = 'UNKNOWN_DEVICE' | 'ALREADY_REGISTERED' | 'DECOMMISSIONED' | 'INVALID_COMMAND';

/**
 * A command the device's state does not allow. Not retriable: the same command against the same
 * state is refused again, so the node dead-letters it at once, with this code and message.
 */
export class CommandRejectedError extends VisionFlowError {
  constructor(code: RejectionCode, deviceId: string, message: string, commandId: string) {
    super(`device ${deviceId}: ${message}`, { code, retriable: false }, { deviceId, commandId });
  }
}
