// The crash window of an emit-final windowed aggregation, made deterministic in one process on the
// memory transport (as crash-join-marker.test.ts does for collectByKey).
//
// A window's final record is emitted once, and "emitted through" its close time is kept in a
// change-logged marker store so a restart does not emit it again. The marker and the final record
// go to different partitions; on Kafka a node's producer answers a write when it takes it and learns
// of acknowledgements at checkpoints, and librdkafka sends each partition's batches on their own.
// When the marker moved as soon as the record was taken, a changelog batch could carry it to the
// broker before the record's batch left; a SIGKILL then lost the window for good: the restored
// marker says it was emitted, and the records read again are late for it. Now the marker moves
// once the record is acknowledged (EmittedMarker): a crash before that emits the window again.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry, StreamRecord, TopicSerde, TopologyRunner, avro, topic, topology, tumbling, windowedBy, windowedKey } from '@vision-flow/core';
import { CrashableTransport } from '../helpers/crashable-transport.js';
import { until } from '../helpers/wait-for.js';

const readings = topic('wm.readings', { value: avro.string(), partitions: 1 });
const counts = topic('wm.counts', { key: windowedKey(avro.string()), value: avro.long(), partitions: 1 });
const t = topology('wm').node('count', (n) =>
  n.from(readings).pipe(windowedBy(tumbling('1s')).count({ name: 'counts', key: avro.string(), emit: 'final' })).to(counts as never),
);

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close().catch(() => undefined);
});


describe('an emit-final window across a crash between its final record and its marker', () => {
  it('is emitted again after the restart when the record was lost', async () => {
    const registry = new InMemorySchemaRegistry();
    const first = new CrashableTransport(counts.name);
    open.push(first);
    const runner = new TopologyRunner(t, { transport: first, registry, log: () => undefined, node: { commitIntervalMs: 10, pollTimeoutMs: 10 } });
    await runner.start();
    const admin = first.admin();
    const committed = async () => (await admin.committedOffsets('wm.count', readings.name)).reduce((n, o) => n + o.offset, 0);
    const producer = await first.inner.producer();
    const serde = new TopicSerde(readings, registry);
    await serde.register();
    const send = (at: number) => producer.send(serde.toMessage(new StreamRecord({ key: 'cam-1', value: 'reading', timestamp: at })));

    // Two readings in [0, 1000), committed; then one at 1500 closes that window: its final record is
    // taken and held unacknowledged (the marker, written at once before the fix, is not held).
    await send(100);
    await send(200);
    await until('both readings committed', async () => (await committed()) === 2);
    first.holdResults = true;
    await send(1500);
    await new Promise((r) => setTimeout(r, 300));

    // SIGKILL: the final record of [0, 1000) is lost.
    first.crash();
    await runner.stop('killed');

    const second = new CrashableTransport(counts.name, first.broker);
    open.push(second);
    const restarted = new TopologyRunner(t, { transport: second, registry, log: () => undefined, node: { commitIntervalMs: 10, pollTimeoutMs: 10 } });
    await restarted.start();
    const out = new TopicSerde(counts as never, registry);
    const finals = async () => {
      const reader = await second.inner.reader();
      await reader.assign([{ topic: counts.name, partition: 0, offset: 0 }]);
      const got: Array<{ start: number; count: unknown }> = [];
      for (;;) {
        const batch = await reader.poll(100, 100);
        if (batch.length === 0) break;
        for (const m of batch) {
          const r = await out.fromMessage(m);
          got.push({ start: (r.key as { start: number }).start, count: r.value });
        }
      }
      await reader.close();
      return got;
    };
    await until('a final record after the restart', async () => (await finals()).length > 0, 5_000).catch(() => undefined);
    await restarted.stop();

    const got = await finals();
    console.log(`[crash-window-marker] finals after the restart: ${JSON.stringify(got)}`);
    expect(got.map((f) => f.start), 'the window whose final record the crash lost').toEqual([0]);
    // At least once: the reading at 1500 is read again, the two before it are not (committed).
    expect(Number(got[0]!.count)).toBe(2);
  }, 30_000);
});
