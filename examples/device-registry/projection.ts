import { aggregate, avro, type Rec, type StatefulOperator } from '@vision-flow/core';
import { DeviceView, type DeviceEvent } from './schemas.js';

/** The read side's store, served by the query views: `GET /stores/devices/<device id>`. */
export const VIEW_STORE = 'devices';

/** Before a device's first event (its DeviceRegistered fills every field). */
const NO_DEVICE: DeviceView = { name: '', status: 'active', previousNames: [], registeredAt: 0, updatedAt: 0 };

/** The view after one more event of the device. */
export function project(view: DeviceView, event: DeviceEvent): DeviceView {
  switch (event.type) {
    case 'DeviceRegistered':
      return { name: event.name ?? '', status: 'active', previousNames: [], registeredAt: event.at, updatedAt: event.at };
    case 'DeviceRenamed':
      return { ...view, name: event.name ?? view.name, previousNames: [...view.previousNames, view.name], updatedAt: event.at };
    case 'DeviceDecommissioned':
      return { ...view, status: 'decommissioned', updatedAt: event.at };
  }
}

/** Folds the event topic into the `devices` key-value store: the projection is an ordinary per-key aggregate. */
export function projectDevices(): StatefulOperator<Rec<string, DeviceEvent>, Rec<string, DeviceView>> {
  return aggregate(() => NO_DEVICE, project, { name: VIEW_STORE, key: avro.string(), value: DeviceView });
}
