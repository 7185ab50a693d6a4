import { avro, keyValueStore, stateful, type KeyValueStore, type Processor, type ProcessorContext, type Rec, type StatefulOperator } from '@vision-flow/core';
import { decide, evolve } from './device.js';
import { DeviceState, type DeviceCommand, type DeviceEvent } from './schemas.js';

/** The command side's store: each device's current state, change-logged so a restart restores it. */
export const STATE_STORE = 'device-state';

/**
 * Decides each command against its device's state and folds the event into that state. A record
 * is processed synchronously, in order per device, so two commands of one device never race; a
 * refused command throws before the state changes, and the node dead-letters it with its reason.
 */
class CommandHandler implements Processor<Rec<string, DeviceCommand>, Rec<string, DeviceEvent>> {
  private ctx!: ProcessorContext<Rec<string, DeviceEvent>>;
  private states!: KeyValueStore<string, DeviceState>;

  init(ctx: ProcessorContext<Rec<string, DeviceEvent>>): void {
    this.ctx = ctx;
    this.states = ctx.getStateStore(STATE_STORE);
  }

  process(rec: Rec<string, DeviceCommand>): void {
    const state = this.states.get(rec.key);
    const event = decide(rec.key, state, rec.value, rec.timestamp);
    this.states.put(rec.key, evolve(state, event));
    void this.ctx.forward(rec.withValue(event));
  }

  close(): void {}
}

/** The command handler as an operator: `n.from(commands).pipe(handleCommands()).to(events)`. */
export function handleCommands(): StatefulOperator<Rec<string, DeviceCommand>, Rec<string, DeviceEvent>> {
  const store = keyValueStore(STATE_STORE, { key: avro.string(), value: DeviceState });
  return stateful({ name: 'handleCommands', stores: [store], get: () => new CommandHandler() });
}
