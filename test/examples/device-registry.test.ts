// examples/device-registry/topology.ts on the real broker: commands in, events and rejections out,
// the projection's view read through the query views, then a restart on the same namespace that
// decides new commands against the state from before it (restored from the changelog).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfluentSchemaRegistry, NamespacedSchemaRegistry, QueryViews, StreamRecord, TopicSerde, TopologyRunner,
  type KeyValueStore, type Timestamped,
} from '@vision-flow/core';
import registry$, { commands, events } from '../../examples/device-registry/topology.js';
import { VIEW_STORE } from '../../examples/device-registry/projection.js';
import type { DeviceCommand, DeviceEvent, DeviceView } from '../../examples/device-registry/schemas.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import type { TopicRecord } from '../helpers/pipeline-processes.js';
import { waitFor } from '../helpers/wait-for.js';

type Command = [device: string, type: DeviceCommand['type'], name?: string];

/** Before the restart: two devices registered, one renamed, one decommissioned, four refused. */
const BEFORE: Command[] = [
  ['cam-1', 'register', 'Front door'],
  ['cam-2', 'register', 'Loading bay'],
  ['cam-1', 'rename', 'Front gate'],
  ['cam-3', 'rename', 'Nowhere'], // UNKNOWN_DEVICE
  ['cam-2', 'register', 'Loading bay 2'], // ALREADY_REGISTERED
  ['cam-2', 'decommission'],
  ['cam-2', 'rename', 'Old bay'], // DECOMMISSIONED
  ['cam-4', 'register', '  '], // INVALID_COMMAND
];
/** After it: decided against the state from before. */
const AFTER: Command[] = [
  ['cam-1', 'rename', 'Side gate'],
  ['cam-1', 'register', 'Front door'], // ALREADY_REGISTERED
  ['cam-2', 'rename', 'Back again'], // DECOMMISSIONED
  ['cam-3', 'register', 'Roof'],
];

interface Rejection {
  readonly key: string;
  readonly code: string;
  readonly message: string;
  readonly commandId: string | undefined;
}

describe('examples/device-registry on Kafka', () => {
  const kns = new KafkaNamespace('t-devices');
  let registry: NamespacedSchemaRegistry;
  let sent = 0;

  beforeAll(async () => {
    await kns.connect();
    registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), kns.name);
  });
  afterAll(() => kns.drop());

  /** Sends the commands in order (each device's commands land in its partition, in order); ids cmd-<n>. */
  const send = async (list: readonly Command[]): Promise<void> => {
    const serde = new TopicSerde(commands, registry);
    await serde.register();
    const producer = await kns.view.ns.producer({ clientId: 'devices-commands', acknowledge: 'each' });
    try {
      for (const [device, type, name] of list) {
        const value: DeviceCommand = { commandId: `cmd-${++sent}`, type, name: name ?? null };
        producer.produce(serde.toMessage(new StreamRecord({ key: device, value, timestamp: Date.now() })), (e) => {
          if (e) throw e;
        });
      }
      await producer.flush(30_000);
    } finally {
      await producer.close();
    }
  };

  /** Waits until `n` events and `m` rejections are written, and returns them. */
  const outcomes = async (n: number, m: number): Promise<{ events: TopicRecord[]; rejections: Rejection[] }> => {
    await waitFor(`${n} events and ${m} rejections`, async () => ((await kns.view.written(events.name)) >= n && (await kns.view.written('commands.dlq')) >= m ? true : undefined), 60_000);
    const dead = await kns.view.readAll('commands.dlq');
    const rejections = dead.map((r) => {
      const v = r.value as { code: string; message: string; context: { [k: string]: string } };
      return { key: r.key as string, code: v.code, message: v.message, commandId: v.context['commandId'] };
    });
    return { events: await kns.view.readAll(events.name), rejections: rejections.sort((a, b) => a.commandId!.localeCompare(b.commandId!, 'en', { numeric: true })) };
  };

  /** A runner of both nodes with its query views; `restored` counts the changelog records restored per store. */
  const start = async (): Promise<{ runner: TopologyRunner; views: QueryViews; url: string; restored: Map<string, number> }> => {
    const runner = new TopologyRunner(registry$, { transport: kns.view.ns, registry, log: () => undefined });
    const restored = new Map<string, number>();
    runner.emitter.on('store.restored', ({ payload: p }) => void restored.set(p.store, (restored.get(p.store) ?? 0) + p.records));
    const views = new QueryViews(runner, { transport: kns.view.ns, registry, port: 0, log: () => undefined });
    await runner.start();
    return { runner, views, url: await views.start(), restored };
  };
  const stop = async ({ runner, views }: { runner: TopologyRunner; views: QueryViews }): Promise<void> => {
    await views.close();
    await runner.stop();
  };

  /** The device as the projection has it, through the query views (404: not there yet). */
  const viewOf = async (url: string, device: string): Promise<DeviceView | undefined> => {
    const res = await fetch(`${url}/stores/${VIEW_STORE}/${encodeURIComponent(device)}`);
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { value: Timestamped<DeviceView> }).value.value;
  };
  const eventsOf = (records: TopicRecord[]) => records.map((r) => [r.key, (r.value as DeviceEvent).type, (r.value as DeviceEvent).name, (r.value as DeviceEvent).commandId]);
  const inCommandOrder = (rows: unknown[][]) => rows.sort((a, b) => String(a[3]).localeCompare(String(b[3]), 'en', { numeric: true }));

  it('decides commands against each device\'s events, serves the projection, and decides the same after a restart', { timeout: 150_000 }, async () => {
    const first = await start();
    try {
      await send(BEFORE);
      const { events: written, rejections } = await outcomes(4, 4);
      expect(inCommandOrder(eventsOf(written))).toEqual([
        ['cam-1', 'DeviceRegistered', 'Front door', 'cmd-1'],
        ['cam-2', 'DeviceRegistered', 'Loading bay', 'cmd-2'],
        ['cam-1', 'DeviceRenamed', 'Front gate', 'cmd-3'],
        ['cam-2', 'DeviceDecommissioned', null, 'cmd-6'],
      ]);
      expect(rejections.map((r) => [r.key, r.code, r.commandId])).toEqual([
        ['cam-3', 'UNKNOWN_DEVICE', 'cmd-4'],
        ['cam-2', 'ALREADY_REGISTERED', 'cmd-5'],
        ['cam-2', 'DECOMMISSIONED', 'cmd-7'],
        ['cam-4', 'INVALID_COMMAND', 'cmd-8'],
      ]);
      expect(rejections[1]!.message).toBe('device cam-2: is already registered as "Loading bay"');

      const cam1 = await waitFor('cam-1 renamed in the view', async () => ((await viewOf(first.url, 'cam-1'))?.name === 'Front gate' ? viewOf(first.url, 'cam-1') : undefined), 30_000);
      expect(cam1).toMatchObject({ name: 'Front gate', status: 'active', previousNames: ['Front door'] });
      const cam2 = await waitFor('cam-2 decommissioned in the view', async () => ((await viewOf(first.url, 'cam-2'))?.status === 'decommissioned' ? viewOf(first.url, 'cam-2') : undefined), 30_000);
      expect(cam2).toMatchObject({ name: 'Loading bay', previousNames: [] });
      expect(await viewOf(first.url, 'cam-3')).toBeUndefined(); // refused commands leave no trace on the read side
      expect((await fetch(`${first.url}/stores/${VIEW_STORE}/cam-3`)).status).toBe(404);
    } finally {
      await stop(first);
    }

    // A new runner on the same namespace: the stores start empty and are restored from their changelogs.
    const second = await start();
    try {
      const expected = { 'cam-1': { name: 'Front gate', status: 'active' }, 'cam-2': { name: 'Loading bay', status: 'decommissioned' } };
      const restored = () => {
        const states = [...second.runner.stores('commands', 'device-state').values()];
        return Object.fromEntries(states.flatMap((s) => [...(s as KeyValueStore<string, unknown>).all()]));
      };
      // Tasks (and their stores) come with the partition assignment, after start() returns.
      await waitFor('the command side\'s state restored', async () => (JSON.stringify(restored()) === JSON.stringify(expected) ? true : undefined), 30_000).catch(() => undefined);
      expect(restored()).toEqual(expected);
      // Four events, four changelog records of device-state; the commands themselves are not read again.
      expect(second.restored.get('device-state')).toBe(4);
      expect(first.restored.get('device-state') ?? 0).toBe(0);

      await send(AFTER);
      const { events: written, rejections } = await outcomes(6, 6);
      expect(written).toHaveLength(6);
      expect(rejections).toHaveLength(6);
      expect(inCommandOrder(eventsOf(written)).slice(4)).toEqual([
        ['cam-1', 'DeviceRenamed', 'Side gate', 'cmd-9'],
        ['cam-3', 'DeviceRegistered', 'Roof', 'cmd-12'],
      ]);
      expect(rejections.slice(4).map((r) => [r.key, r.code, r.commandId])).toEqual([
        ['cam-1', 'ALREADY_REGISTERED', 'cmd-10'],
        ['cam-2', 'DECOMMISSIONED', 'cmd-11'],
      ]);

      const cam1 = await waitFor('cam-1 renamed again in the view', async () => ((await viewOf(second.url, 'cam-1'))?.name === 'Side gate' ? viewOf(second.url, 'cam-1') : undefined), 30_000);
      expect(cam1).toMatchObject({ status: 'active', previousNames: ['Front door', 'Front gate'] });
      expect(await viewOf(second.url, 'cam-2')).toMatchObject({ status: 'decommissioned' });
      expect(await waitFor('cam-3 in the view', () => viewOf(second.url, 'cam-3'), 30_000)).toMatchObject({ name: 'Roof', status: 'active' });
    } finally {
      await stop(second);
    }
  });
});
