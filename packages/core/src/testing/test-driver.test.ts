// The test driver on small topologies: each behaviour a user's test relies on (outputs in order
// with their timestamps, stores read across partitions, wall-clock punctuation on virtual time,
// dead letters) on nodes that really run, on the memory transport.
import { NEVER, map, mergeMap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import { VisionFlowError } from '../errors/vision-flow-error.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { stateful } from '../processor/stateful.js';
import { record, type Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { keyValueStore } from '../state/stores.js';
import { testDriver, type TestDriver, type TestDriverOptions } from './test-driver.js';

const Reading = avro.record('t.Reading', { celsius: avro.double() });
const readings = topic('readings', { value: Reading, partitions: 3 });
const fahrenheit = topic('fahrenheit', { value: avro.double(), partitions: 3 });
const counts = topic('counts', { value: avro.long(), partitions: 3 });

const drivers: TestDriver[] = [];
async function open(t: Parameters<typeof testDriver>[0], opts?: TestDriverOptions): Promise<TestDriver> {
  const d = await testDriver(t, { log: () => undefined, ...opts });
  drivers.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

const toFahrenheit = () => map((r: Rec<string, { celsius: number }>) => r.withValue(r.value.celsius * 1.8 + 32));

const countStore = keyValueStore('counts', { key: avro.string(), value: avro.long() });

/**
 * Counts records per key in a store. Forwards each new count with its input's timestamp, or, with
 * `every`, every count on a wall-clock punctuation, stamped with the punctuation's time.
 */
function counter(opts: { every?: number } = {}) {
  return stateful<Rec<string, unknown>, Rec<string, number>>({
    name: 'counter',
    stores: [countStore],
    get: (): Processor<Rec<string, unknown>, Rec<string, number>> => {
      let ctx!: ProcessorContext<Rec<string, number>>;
      let store!: KeyValueStore<string, number>;
      return {
        init(c) {
          ctx = c;
          store = c.getStateStore('counts');
          if (opts.every !== undefined) {
            c.schedule(opts.every, 'wall-clock', (now) => {
              for (const [key, n] of store.all()) void ctx.forward(record({ key, value: n, timestamp: now }));
            });
          }
        },
        process(rec) {
          const n = (store.get(rec.key) ?? 0) + 1;
          store.put(rec.key, n);
          if (opts.every === undefined) void ctx.forward(rec.withValue(n));
        },
        close() {},
      };
    },
  });
}

describe('testDriver', () => {
  it('runs a stateless node: each output in the order written, with its input timestamp', async () => {
    const d = await open(topology('convert').node('convert', (n) => n.from(readings).pipe(toFahrenheit()).to(fahrenheit)));
    const input = d.inputTopic(readings);
    const output = d.outputTopic(fahrenheit);
    expect(output.isEmpty()).toBe(true);

    await input.pipeInput('kitchen', { celsius: 20 }, 1_000);
    await input.pipeRecordList([
      { key: 'garage', value: { celsius: 0 }, timestamp: 2_000 },
      { key: 'attic', value: { celsius: 100 }, timestamp: 1_500 }, // out of order in time: kept as given
      { key: 'kitchen', value: { celsius: -40 }, timestamp: 3_000 },
    ]);

    expect(output.queueSize).toBe(4);
    expect(output.readKeyValueTimestamps()).toEqual([
      ['kitchen', 68, 1_000],
      ['garage', 32, 2_000],
      ['attic', 212, 1_500],
      ['kitchen', -40, 3_000],
    ]);
    expect(output.isEmpty()).toBe(true); // read once: a second read returns only what is new
    await input.pipeInput('garage', { celsius: 10 }, 4_000);
    expect(output.readValuesToList()).toEqual([50]);
  });

  it('gives a record piped without a timestamp the wall-clock time', async () => {
    const d = await open(topology('convert').node('convert', (n) => n.from(readings).pipe(toFahrenheit()).to(fahrenheit)), { startTime: 1_700_000_000_000 });
    await d.advanceWallClockTime(250);
    await d.inputTopic(readings).pipeInput('kitchen', { celsius: 20 });
    expect(d.outputTopic(fahrenheit).readKeyValueTimestamps()).toEqual([['kitchen', 68, 1_700_000_000_250]]);
  });

  it('runs a stateful processor and reads its key-value store across partitions', async () => {
    const d = await open(topology('count').node('count', (n) => n.from(readings).pipe(counter()).to(counts)));
    const keys = ['a', 'b', 'c', 'd', 'e', 'a', 'b', 'a'];
    await d.inputTopic(readings).pipeRecordList(keys.map((key, i) => ({ key, value: { celsius: i }, timestamp: i * 10 })));

    const out = d.outputTopic(counts).readRecordsToList();
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 0], ['b', 1, 10], ['c', 1, 20], ['d', 1, 30], ['e', 1, 40], ['a', 2, 50], ['b', 2, 60], ['a', 3, 70],
    ]);
    expect(new Set(out.map((r) => r.source?.partition)).size).toBeGreaterThan(1); // the keys live in several tasks
    const store = d.keyValueStore<string, number>('count', 'counts');
    expect(store.get('a')).toBe(3);
    expect(store.get('zzz')).toBeUndefined();
    expect(store.approximateNumEntries).toBe(5);
    expect(new Map(store.all())).toEqual(new Map([['a', 3], ['b', 2], ['c', 1], ['d', 1], ['e', 1]]));
    expect(d.keyValueStore('count', countStore).get('e')).toBe(1); // typed by the store's builder
  });

  it('chains nodes: a pipe resolves once every node downstream has processed what it caused', async () => {
    const t = topology('chain')
      .node('convert', (n) => n.from(readings).pipe(toFahrenheit()).to(fahrenheit))
      .node('count', (n) => n.from(fahrenheit).pipe(counter()).to(counts));
    const d = await open(t);
    await d.inputTopic(readings).pipeInput('kitchen', { celsius: 20 }, 5);
    await d.inputTopic(readings).pipeInput('kitchen', { celsius: 21 }, 6);
    expect(d.outputTopic(fahrenheit).readValuesToList()).toEqual([68, 69.80000000000001]);
    expect(d.outputTopic(counts).readKeyValueTimestamps()).toEqual([['kitchen', 1, 5], ['kitchen', 2, 6]]);
  });

  it('runs only the nodes asked for', async () => {
    const t = topology('chain')
      .node('convert', (n) => n.from(readings).pipe(toFahrenheit()).to(fahrenheit))
      .node('count', (n) => n.from(fahrenheit).pipe(counter()).to(counts));
    const d = await open(t, { nodes: ['count'] });
    expect(() => d.inputTopic(readings)).toThrow(/no running node reads topic "readings"; the nodes read: fahrenheit/);
    await d.inputTopic(fahrenheit).pipeInput('kitchen', 68, 5);
    expect(d.outputTopic(counts).readKeyValueTimestamps()).toEqual([['kitchen', 1, 5]]);
  });

  it('fires a wall-clock punctuator only when the wall clock is advanced, once per interval passed', async () => {
    const d = await open(topology('report').node('report', (n) => n.from(readings).pipe(counter({ every: 1_000 })).to(counts)), { startTime: 10_000 });
    const input = d.inputTopic(readings);
    const output = d.outputTopic(counts);
    await input.pipeInput('kitchen', { celsius: 20 }, 1);
    await input.pipeInput('kitchen', { celsius: 21 }, 2);
    expect(output.isEmpty()).toBe(true);

    await d.advanceWallClockTime(999);
    expect(output.isEmpty()).toBe(true);
    await d.advanceWallClockTime(1);
    expect(output.readKeyValueTimestamps()).toEqual([['kitchen', 2, 11_000]]);

    await input.pipeInput('garage', { celsius: 5 }, 3);
    await d.advanceWallClockTime(2_500);
    expect(d.wallClockTime()).toBe(13_500);
    expect(output.readKeyValueTimestamps()).toEqual([
      ['kitchen', 2, 12_000], ['garage', 1, 12_000],
      ['kitchen', 2, 13_000], ['garage', 1, 13_000],
    ]);
  });

  it('shows dead letters with their code, message and context, and the input decoded', async () => {
    const strict = map((r: Rec<string, { celsius: number }>) => {
      if (r.value.celsius < -273.15) throw new VisionFlowError(`below absolute zero: ${r.value.celsius}`, { code: 'IMPOSSIBLE_READING', retriable: false }, { limit: -273.15 });
      return r.withValue(r.value.celsius * 1.8 + 32);
    });
    const d = await open(topology('strict').node('convert', (n) => n.from(readings).pipe(strict).to(fahrenheit)));
    await d.inputTopic(readings).pipeRecordList([
      { key: 'kitchen', value: { celsius: 20 }, timestamp: 1 },
      { key: 'broken', value: { celsius: -300 }, timestamp: 2 },
    ]);
    expect(d.outputTopic(fahrenheit).readValuesToList()).toEqual([68]);
    const [dl, ...more] = d.deadLetters('convert');
    expect(more).toEqual([]);
    expect(dl).toMatchObject({
      code: 'IMPOSSIBLE_READING',
      message: 'below absolute zero: -300',
      node: 'convert',
      topic: 'readings',
      context: { limit: '-273.15' },
      key: 'broken',
      value: { celsius: -300 },
    });
  });

  it('keeps the timestamp an operator sets on its output', async () => {
    const hourLater = map((r: Rec<string, { celsius: number }>) => r.withValue(r.value.celsius).withTimestamp(r.timestamp + 3_600_000));
    const celsius = topic('celsius', { value: avro.double(), partitions: 3 });
    const d = await open(topology('shift').node('shift', (n) => n.from(readings).pipe(hourLater).to(celsius)));
    await d.inputTopic(readings).pipeInput('kitchen', { celsius: 20 }, 42);
    expect(d.outputTopic(celsius).readKeyValueTimestamps()).toEqual([['kitchen', 20, 3_600_042]]);
  });

  it('rejects a pipe with the error of a node that failed', async () => {
    const broken = stateful<Rec<string, unknown>, Rec<string, number>>({
      name: 'broken',
      stores: [countStore],
      get: () => ({ init() { throw new Error('cannot open the model'); }, process() {}, close() {} }),
    });
    const d = await open(topology('broken').node('count', (n) => n.from(readings).pipe(broken).to(counts)));
    await expect(d.inputTopic(readings).pipeInput('kitchen', { celsius: 20 }, 1)).rejects.toThrow(/cannot open the model/);
  });

  it('fails a pipe that does not settle in time, saying what is in flight', async () => {
    const stuck = mergeMap((r: Rec<string, { celsius: number }>) => NEVER.pipe(map(() => r.withValue(r.value.celsius))));
    const d = await open(topology('stuck').node('stuck', (n) => n.from(readings).pipe(stuck).to(fahrenheit)), { settleTimeoutMs: 300 });
    await expect(d.inputTopic(readings).pipeInput('kitchen', { celsius: 20 }, 1)).rejects.toThrow(/did not settle within 300 ms \(stuck: running, 1 in flight\)/);
  });

  it('refuses a node, store or topic the topology does not run or have', async () => {
    const t = topology('count').node('count', (n) => n.from(readings).pipe(counter()).to(counts));
    await expect(testDriver(t, { nodes: ['nope'] })).rejects.toThrow(/has no node "nope"/);
    const d = await open(t);
    expect(() => d.keyValueStore('count', 'nope')).toThrow(/node "count" has no store "nope"; its stores: counts/);
    expect(() => d.windowStore('count', 'counts')).toThrow(/is a key-value store, not a window store/);
    expect(() => d.outputTopic(topic('elsewhere', { value: avro.long() }))).toThrow(/no running node of topology "count" reads or writes topic "elsewhere"; they use: readings, counts/);
    expect(() => d.deadLetters('other')).toThrow(/node "other" is not running/);
  });
});
