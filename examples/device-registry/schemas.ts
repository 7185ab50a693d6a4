// Avro schemas of the device registry: the commands it takes, the events it writes, the state
// the command side keeps per device and the view the projection builds. Every topic is keyed by
// device id (a string), so a device's commands and events are in one partition, in order.
import { avro, type Infer } from '@vision-flow/core';

export const DeviceCommand = avro.record('devices.DeviceCommand', {
  commandId: avro.string(),
  type: avro.enum('devices.DeviceCommandType', ['register', 'rename', 'decommission']),
  name: avro.field(avro.nullable(avro.string()), { default: null, doc: 'register and rename: the device name' }),
});
export type DeviceCommand = Infer<typeof DeviceCommand>;

/** One record shape for the three events, told apart by `type` (Avro unions of records are not needed for this). */
export const DeviceEvent = avro.record('devices.DeviceEvent', {
  type: avro.enum('devices.DeviceEventType', ['DeviceRegistered', 'DeviceRenamed', 'DeviceDecommissioned']),
  name: avro.field(avro.nullable(avro.string()), { default: null, doc: 'DeviceRegistered and DeviceRenamed: the new name' }),
  commandId: avro.field(avro.string(), { doc: 'The command that caused it' }),
  at: avro.timestampMillis(),
});
export type DeviceEvent = Infer<typeof DeviceEvent>;

const DeviceStatus = avro.enum('devices.DeviceStatus', ['active', 'decommissioned']);

/** What the command side needs to decide (the write model): only the current name and status. */
export const DeviceState = avro.record('devices.DeviceState', {
  name: avro.string(),
  status: DeviceStatus,
});
export type DeviceState = Infer<typeof DeviceState>;

/** What readers ask for (the read model): more than any decision needs. */
export const DeviceView = avro.record('devices.DeviceView', {
  name: avro.string(),
  status: DeviceStatus,
  previousNames: avro.array(avro.string()),
  registeredAt: avro.timestampMillis(),
  updatedAt: avro.timestampMillis(),
});
export type DeviceView = Infer<typeof DeviceView>;
