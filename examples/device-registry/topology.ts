// An event-sourced device registry (command model + CQRS read side):
//
//   devices.commands ──commands: handleCommands()──▶ devices.events ──projection: projectDevices()──▶ store "devices"
//                            │ refused                                                              (query views)
//                            ▼
//                       commands.dlq  (UNKNOWN_DEVICE, ALREADY_REGISTERED, DECOMMISSIONED, INVALID_COMMAND)
//
//   vision-flow run examples/device-registry/topology.ts --query-port 7070
//
// The command side keeps each device's state in a change-logged store (device-state), so a
// restarted node decides the next command against the state from before the restart.
import { topic, topology } from '@vision-flow/core';
import { handleCommands } from './command-handler.js';
import { projectDevices } from './projection.js';
import { DeviceCommand, DeviceEvent } from './schemas.js';

export const commands = topic('devices.commands', { value: DeviceCommand, partitions: 3 });
export const events = topic('devices.events', { value: DeviceEvent, partitions: 3 });

export default topology('device-registry')
  .node('commands', (n) => n.from(commands).pipe(handleCommands()).to(events))
  .node('projection', (n) => n.from(events).pipe(projectDevices()));
