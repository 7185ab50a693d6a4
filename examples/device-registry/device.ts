// The device's rules as two pure functions, the usual event-sourcing pair:
// decide(id, state, command, at) → the event the command causes, or a rejection (it throws);
// evolve(state, event) → the state after the event.
import { CommandRejectedError, type RejectionCode } from './command-rejected-error.js';
import type { DeviceCommand, DeviceEvent, DeviceState } from './schemas.js';

/** The event `command` causes on a device in `state` (undefined: never registered); throws CommandRejectedError if it may not. */
export function decide(id: string, state: DeviceState | undefined, command: DeviceCommand, at: number): DeviceEvent {
  const reject = (code: RejectionCode, why: string) => new CommandRejectedError(code, id, why, command.commandId);
  if (state?.status === 'decommissioned') throw reject('DECOMMISSIONED', `is decommissioned; ${command.type} refused`);
  const { commandId } = command;
  switch (command.type) {
    case 'register':
      if (state) throw reject('ALREADY_REGISTERED', `is already registered as "${state.name}"`);
      return { type: 'DeviceRegistered', name: requireName(command, reject), commandId, at };
    case 'rename':
      if (!state) throw reject('UNKNOWN_DEVICE', 'is not registered; register it first');
      return { type: 'DeviceRenamed', name: requireName(command, reject), commandId, at };
    case 'decommission':
      if (!state) throw reject('UNKNOWN_DEVICE', 'is not registered; nothing to decommission');
      return { type: 'DeviceDecommissioned', name: null, commandId, at };
  }
}

/** The state after `event`. Folding a device's events from undefined gives its current state. */
export function evolve(state: DeviceState | undefined, event: DeviceEvent): DeviceState {
  switch (event.type) {
    case 'DeviceRegistered':
      return { name: event.name ?? '', status: 'active' };
    case 'DeviceRenamed':
      return { name: event.name ?? state?.name ?? '', status: state?.status ?? 'active' };
    case 'DeviceDecommissioned':
      return { name: state?.name ?? '', status: 'decommissioned' };
  }
}

function requireName(command: DeviceCommand, reject: (code: RejectionCode, why: string) => Error): string {
  const name = command.name?.trim();
  if (!name) throw reject('INVALID_COMMAND', `${command.type} needs a name`);
  return name;
}
