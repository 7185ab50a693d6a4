import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, StreamRecord, TopicSerde, TopologyRunner, type TransportProducer } from '@vision-flow/core';
import eventTime, { counts, detections, GRACE_MS, WINDOW_MS, type WindowCountValue } from '../fixtures/event-time/windowed-count-topology.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { retainedEventTimeBase } from '../helpers/event-time.js';
import { waitFor } from '../helpers/wait-for.js';

// Stream time must advance in partition offset order whatever order a node processes records in
// (as Kafka Streams does per task). Under the default `ordering: 'key'`, a record of another key
// overtakes queued records of its partition; if that moved stream time, the overtaken records
// would look late and be dropped. Here 20,000 records of 100 cameras, in time order per
// partition, go through a windowed count behind an operator of random latency.

const RECORDS = 20_000;
const CAMERAS = 100;
/** Event time advances 200 ms a record: about 800 ms a record within each of the 4 partitions, so a few overtaken records pass the grace period. */
const STEP_MS = 200;
const T0 = retainedEventTimeBase();

describe('a windowed count under the default key ordering on Kafka', () => {
  const kns = new KafkaNamespace('t-evtime');
  let registry: NamespacedSchemaRegistry;

  beforeAll(async () => {
    await kns.connect();
    registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), kns.name);
  });
  afterAll(() => kns.drop());

  it('gives exactly the windows of an in-order computation and drops nothing that was on time', async () => {
    const expected = new Map<string, number>();
    const serde = new TopicSerde(detections, registry);
    await kns.view.ns.admin().createTopics([{ name: detections.name, partitions: detections.partitions }]);
    await serde.register();
    const producer: TransportProducer = await kns.view.ns.producer({ clientId: 'evtime-input', acknowledge: 'each' });
    for (let i = 0; i < RECORDS; i++) {
      const camera = `cam-${i % CAMERAS}`;
      const timestamp = T0 + i * STEP_MS;
      const id = `${camera}@${timestamp - (timestamp % WINDOW_MS)}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
      producer.produce(serde.toMessage(new StreamRecord({ key: camera, value: { camera, seq: i }, timestamp })), (e) => {
        if (e) throw e;
      });
    }
    await producer.flush(30_000);
    await producer.close();

    const runner = new TopologyRunner(eventTime, { transport: kns.view.ns, registry, log: () => undefined });
    let late = 0;
    runner.emitter.on('node.record_dropped', () => void late++);
    await runner.start();
    try {
      await waitFor(`every record processed (${JSON.stringify(runner.stats()[0])})`, async () => (runner.stats()[0]!.processed >= RECORDS ? true : undefined), 120_000);
    } finally {
      await runner.stop();
    }

    const latest = new Map<string, number>();
    for (const r of await kns.view.readAll(counts.name)) {
      const v = r.value as WindowCountValue;
      const id = `${v.camera}@${v.windowStart}`;
      latest.set(id, Math.max(latest.get(id) ?? 0, Number(v.count)));
    }
    expect(late).toBe(0);
    expect(latest.size).toBe(expected.size);
    const wrong = [...expected].filter(([id, n]) => latest.get(id) !== n);
    expect(wrong.slice(0, 5), `${wrong.length} of ${expected.size} windows differ from the in-order count (window ${WINDOW_MS} ms, grace ${GRACE_MS} ms)`).toEqual([]);
  });
});
