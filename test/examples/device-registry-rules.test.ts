// The device registry's rules on the test driver: every refusal with its reason, the command side's
// state folded from the events, and the projection's view. Fast and without a broker; the run on
// Kafka with a restart is device-registry.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { testDriver, type TestDriver } from '@vision-flow/core/testing';
import registry, { commands, events } from '../../examples/device-registry/topology.js';
import { STATE_STORE } from '../../examples/device-registry/command-handler.js';
import { VIEW_STORE } from '../../examples/device-registry/projection.js';
import type { DeviceCommand } from '../../examples/device-registry/schemas.js';

let d: TestDriver;
afterEach(() => d.close());

const command = (commandId: string, type: DeviceCommand['type'], name: string | null = null): DeviceCommand => ({ commandId, type, name });

describe('examples/device-registry on the test driver', () => {
  it('turns allowed commands into events and refuses the others with their reason, leaving the state as it was', async () => {
    d = await testDriver(registry);
    const input = d.inputTopic(commands);
    await input.pipeRecordList([
      { key: 'cam-1', value: command('c1', 'register', 'Front door'), timestamp: 1_000 },
      { key: 'cam-1', value: command('c2', 'register', 'Again'), timestamp: 2_000 },
      { key: 'cam-1', value: command('c3', 'rename', ' Front gate '), timestamp: 3_000 },
      { key: 'cam-1', value: command('c4', 'rename', null), timestamp: 4_000 },
      { key: 'cam-2', value: command('c5', 'rename', 'Nowhere'), timestamp: 5_000 },
      { key: 'cam-2', value: command('c6', 'decommission'), timestamp: 6_000 },
      { key: 'cam-1', value: command('c7', 'decommission'), timestamp: 7_000 },
      { key: 'cam-1', value: command('c8', 'rename', 'Ghost'), timestamp: 8_000 },
      { key: 'cam-1', value: command('c9', 'register', 'Reborn'), timestamp: 9_000 },
    ]);

    expect(d.outputTopic(events).readKeyValueTimestamps()).toEqual([
      ['cam-1', { type: 'DeviceRegistered', name: 'Front door', commandId: 'c1', at: 1_000 }, 1_000],
      ['cam-1', { type: 'DeviceRenamed', name: 'Front gate', commandId: 'c3', at: 3_000 }, 3_000],
      ['cam-1', { type: 'DeviceDecommissioned', name: null, commandId: 'c7', at: 7_000 }, 7_000],
    ]);
    expect(d.deadLetters('commands').map((r) => [r.key, r.code, r.context['commandId'], r.message])).toEqual([
      ['cam-1', 'ALREADY_REGISTERED', 'c2', 'device cam-1: is already registered as "Front door"'],
      ['cam-1', 'INVALID_COMMAND', 'c4', 'device cam-1: rename needs a name'],
      ['cam-2', 'UNKNOWN_DEVICE', 'c5', 'device cam-2: is not registered; register it first'],
      ['cam-2', 'UNKNOWN_DEVICE', 'c6', 'device cam-2: is not registered; nothing to decommission'],
      ['cam-1', 'DECOMMISSIONED', 'c8', 'device cam-1: is decommissioned; rename refused'],
      ['cam-1', 'DECOMMISSIONED', 'c9', 'device cam-1: is decommissioned; register refused'],
    ]);

    // The write model: what decisions need. The read model: what readers ask for.
    expect([...d.keyValueStore('commands', STATE_STORE).all()]).toEqual([['cam-1', { name: 'Front gate', status: 'decommissioned' }]]);
    expect([...d.keyValueStore('projection', VIEW_STORE).all()]).toEqual([
      ['cam-1', { value: { name: 'Front gate', status: 'decommissioned', previousNames: ['Front door'], registeredAt: 1_000, updatedAt: 7_000 }, timestamp: 7_000 }],
    ]);
  });
});
