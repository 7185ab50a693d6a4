// The example of docs/testing.md, run as written (imports by package name, as a user's test does).
import { afterEach, expect, it } from 'vitest';
import { avro, topic, topology, tumbling, windowedBy, windowedKey } from '@vision-flow/core';
import { testDriver, type TestDriver } from '@vision-flow/core/testing';

const Detection = avro.record('app.Detection', { label: avro.string() });
const detections = topic('detections', { value: Detection, partitions: 1 });
const counts = topic('counts-per-minute', { key: windowedKey(avro.string()), value: avro.long(), partitions: 1 });
const app = topology('app').node('count', (n) =>
  n.from(detections)
    .pipe(windowedBy(tumbling('1m').grace('10s')).count({ name: 'counts', key: avro.string(), emit: 'final' }))
    .to(counts),
);

let d: TestDriver;
afterEach(() => d.close());

it('counts detections per camera and minute, once the minute is over', async () => {
  d = await testDriver(app);
  const input = d.inputTopic(detections); // typed from the topic: key string, value { label }
  const output = d.outputTopic(counts);

  await input.pipeInput('cam-1', { label: 'person' }, 1_000); // key, value, event time (ms)
  await input.pipeRecordList([
    { key: 'cam-1', value: { label: 'car' }, timestamp: 30_000 },
    { key: 'cam-1', value: { label: 'person' }, timestamp: 65_000 }, // next minute; minute 0 stays open for its 10 s grace
    { key: 'cam-1', value: { label: 'dog' }, timestamp: 59_000 }, // out of order, within the grace
  ]);
  expect(output.isEmpty()).toBe(true); // emit final: nothing until stream time passes 60 s + 10 s

  await input.pipeInput('cam-1', { label: 'person' }, 70_000);
  expect(output.readKeyValueTimestamps()).toEqual([[{ key: 'cam-1', start: 0, end: 60_000 }, 3, 59_000]]);

  await input.pipeInput('cam-1', { label: 'bus' }, 2_000); // that minute is closed: set aside, not lost
  expect(d.deadLetters('count')).toMatchObject([{ code: 'LATE', key: 'cam-1', value: { label: 'bus' } }]);

  // The store holds each window's count with its highest timestamp.
  expect(d.windowStore('count', 'counts').fetch('cam-1', 60_000, 60_000)).toMatchObject([{ start: 60_000, end: 120_000, value: { value: 2 } }]);
});
