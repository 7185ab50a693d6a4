// Windowed counts on the test driver: every window kind × emit mode over one table of inputs with
// out-of-order, repeated-key and late records. Each row is one input record and what it makes the
// node write in each mode; the expected windows were worked out by hand from Kafka Streams'
// algorithms (KStreamWindowAggregate, KStreamSlidingWindowAggregate, KStreamSessionWindowAggregate).
// Tumbling windows are tested right at their close (end + grace), which every version agrees on;
// sliding and session timestamps stay clear of theirs, where store retention and version decide.
// The input topic has one partition, as in Kafka Streams' TopologyTestDriver: all keys share one
// stream time.
import { afterEach, describe, expect, it } from 'vitest';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Rec } from '../records/record.js';
import { avro } from '../serde/avro/schema.js';
import { testDriver, type TestDriver } from '../testing/test-driver.js';
import { hopping } from '../windows/hopping.js';
import { session, type SessionWindows } from '../windows/session.js';
import { sliding, type SlidingWindows } from '../windows/sliding.js';
import { tumbling, type TumblingWindows } from '../windows/tumbling.js';
import type { HoppingWindows } from '../windows/hopping.js';
import type { OperatorFunction } from 'rxjs';
import type { EmitMode } from './aggregate-options.js';
import type { Timestamped } from './timestamped.js';
import { windowedBy } from './windowed-by.js';
import { windowedKey, type Windowed } from './windowed-key.js';

const detections = topic('detections', { value: avro.string(), partitions: 1 });
const counts = topic('window-counts', { key: windowedKey(avro.string()), value: avro.nullable(avro.long()), partitions: 1 });

const win = (key: string, start: number, end: number): Windowed<string> => ({ key, start, end });

/** An output as read: windowed key, count (null: tombstone), record timestamp. */
type Out = [Windowed<string>, number | null, number];

/** One input record and what it causes: outputs per emit mode, or a LATE dead letter with its lateness. */
interface Step {
  readonly in: readonly [key: string, timestamp: number];
  readonly update?: readonly Out[];
  readonly final?: readonly Out[];
  readonly late?: number;
}

type AnyWindows = TumblingWindows | HoppingWindows | SlidingWindows | SessionWindows;

interface Scenario {
  readonly kind: 'tumbling' | 'hopping' | 'sliding' | 'session';
  readonly windows: AnyWindows;
  readonly steps: readonly Step[];
}

interface Case extends Scenario {
  readonly emit: EmitMode;
}

// --- Tumbling: 500 ms windows [start, end), grace 100 ms: closed once end + 100 <= stream time.
const T0 = win('cam-1', 0, 500), T1 = win('cam-1', 500, 1000), T2 = win('cam-1', 1000, 1500);
const T0b = win('cam-2', 0, 500);
const TUMBLING: Scenario = {
  kind: 'tumbling',
  windows: tumbling('500ms').grace('100ms'),
  steps: [
    { in: ['cam-1', 10], update: [[T0, 1, 10]] },
    { in: ['cam-1', 15], update: [[T0, 2, 15]] },
    { in: ['cam-1', 500], update: [[T1, 1, 500]] },
    { in: ['cam-2', 20], update: [[T0b, 1, 20]] }, // another key, its own windows
    { in: ['cam-1', 490], update: [[T0, 3, 490]] }, // out of order, T0 open until 600
    { in: ['cam-1', 599], update: [[T1, 2, 599]] },
    { in: ['cam-1', 499], update: [[T0, 4, 499]] }, // stream time 599: the last moment T0 takes records
    { in: ['cam-1', 600], update: [[T1, 3, 600]], final: [[T0, 4, 499], [T0b, 1, 20]] }, // T0 of both keys closes, oldest first then by key
    { in: ['cam-1', 1120], update: [[T2, 1, 1120]], final: [[T1, 3, 600]] },
    { in: ['cam-1', 480], late: 520 }, // T0 closed at 600: 1120 - 600 ms late
    { in: ['cam-2', 30], late: 520 },
    { in: ['cam-1', 1130], update: [[T2, 2, 1130]] },
  ],
};

// --- Hopping: 500 ms windows every 250 ms, grace 100 ms. A record is in two windows (one near 0).
const H0 = win('cam-1', 0, 500), H250 = win('cam-1', 250, 750), H500 = win('cam-1', 500, 1000);
const H750 = win('cam-1', 750, 1250), H1000 = win('cam-1', 1000, 1500);
const HOPPING: Scenario = {
  kind: 'hopping',
  windows: hopping('500ms').advanceBy('250ms').grace('100ms'),
  steps: [
    { in: ['cam-1', 10], update: [[H0, 1, 10]] }, // no window starts before 0
    { in: ['cam-1', 260], update: [[H0, 2, 260], [H250, 1, 260]] },
    { in: ['cam-1', 520], update: [[H250, 2, 520], [H500, 1, 520]] },
    { in: ['cam-1', 490], update: [[H0, 3, 490], [H250, 3, 520]] }, // out of order: a window keeps its highest timestamp
    { in: ['cam-1', 700], update: [[H250, 4, 700], [H500, 2, 700]], final: [[H0, 3, 490]] },
    { in: ['cam-1', 300], update: [[H250, 5, 700]] }, // H0 closed, H250 open: only H250 takes it, no dead letter
    { in: ['cam-1', 120], late: 100 }, // its only window H0 closed at 600
    { in: ['cam-1', 1000], update: [[H750, 1, 1000], [H1000, 1, 1000]], final: [[H250, 5, 700]] },
  ],
};

// --- Sliding: windows [t - 100, t] (both ends inclusive) made at each record's edges, grace 60 ms.
const SLIDING: Scenario = {
  kind: 'sliding',
  windows: sliding('100ms').grace('60ms'),
  steps: [
    { in: ['cam-1', 1000], update: [[win('cam-1', 900, 1000), 1, 1000]] },
    // the previous record's right window, then this record's left window
    { in: ['cam-1', 1050], update: [[win('cam-1', 1001, 1101), 1, 1050], [win('cam-1', 950, 1050), 2, 1050]] },
    // out of order: updates the windows it falls in (latest first, as Kafka Streams' reverse scan), makes its own left and right windows
    {
      in: ['cam-1', 1020],
      update: [[win('cam-1', 1001, 1101), 2, 1050], [win('cam-1', 950, 1050), 3, 1050], [win('cam-1', 920, 1020), 2, 1020], [win('cam-1', 1021, 1121), 1, 1050]],
    },
    {
      in: ['cam-1', 1200],
      update: [[win('cam-1', 1100, 1200), 1, 1200]],
      final: [
        [win('cam-1', 900, 1000), 1, 1000], [win('cam-1', 920, 1020), 2, 1020], [win('cam-1', 950, 1050), 3, 1050],
        [win('cam-1', 1001, 1101), 2, 1050], [win('cam-1', 1021, 1121), 1, 1050],
      ],
    },
    { in: ['cam-1', 1030], late: 9 }, // even its right window [1031, 1131] closed at 1131 + 60 <= 1200
    // partly late: [1021, 1121] and its own left window [1010, 1110] are closed, the rest take it
    { in: ['cam-1', 1110], update: [[win('cam-1', 1100, 1200), 2, 1200], [win('cam-1', 1051, 1151), 1, 1110], [win('cam-1', 1111, 1211), 1, 1200]] },
    {
      in: ['cam-1', 1300],
      update: [[win('cam-1', 1201, 1301), 1, 1300], [win('cam-1', 1200, 1300), 2, 1300]],
      final: [[win('cam-1', 1051, 1151), 1, 1110], [win('cam-1', 1100, 1200), 2, 1200], [win('cam-1', 1111, 1211), 1, 1200]],
    },
  ],
};

// --- Session: gap 100 ms, grace 200 ms; [first, last] timestamps; closed once end + 300 < stream time.
const S = (start: number, end: number) => win('cam-1', start, end);
const SESSION: Scenario = {
  kind: 'session',
  windows: session('100ms').grace('200ms'),
  steps: [
    { in: ['cam-1', 1000], update: [[S(1000, 1000), 1, 1000]] },
    { in: ['cam-1', 1080], update: [[S(1000, 1000), null, 1000], [S(1000, 1080), 2, 1080]] }, // grows: the old session is a tombstone
    { in: ['cam-1', 1250], update: [[S(1250, 1250), 1, 1250]] }, // 170 ms after the last: a new session
    // out of order and within the gap of both: they merge into one
    { in: ['cam-1', 1170], update: [[S(1000, 1080), null, 1080], [S(1250, 1250), null, 1250], [S(1000, 1250), 4, 1250]] },
    { in: ['cam-1', 1500], update: [[S(1500, 1500), 1, 1500]] },
    { in: ['cam-1', 1600], update: [[S(1500, 1500), null, 1500], [S(1500, 1600), 2, 1600]], final: [[S(1000, 1250), 4, 1250]] },
    { in: ['cam-1', 1290], late: 10 }, // would make [1000, 1290], closed since 1290 + 300 < 1600
    { in: ['cam-1', 1950], update: [[S(1950, 1950), 1, 1950]], final: [[S(1500, 1600), 2, 1600]] },
  ],
};

const SCENARIOS: readonly Scenario[] = [TUMBLING, HOPPING, SLIDING, SESSION];
const CASES: readonly Case[] = SCENARIOS.flatMap((s) => (['update', 'final'] as const).map((emit) => ({ ...s, emit })));

/** The count operator of a case, its output widened to take tombstones (session windows in update mode). */
function countOf(c: Case): OperatorFunction<Rec<string, string>, Rec<Windowed<string>, number | null>> {
  const opts = { name: 'counts', key: avro.string(), emit: c.emit };
  return c.windows.kind === 'session' ? windowedBy(c.windows).count(opts) : windowedBy(c.windows).count(opts);
}

const drivers: TestDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

async function run(c: Case): Promise<TestDriver> {
  const d = await testDriver(topology('windows').node('count', (n) => n.from(detections).pipe(countOf(c)).to(counts)), { log: () => undefined });
  drivers.push(d);
  return d;
}

describe('windowed count on the test driver', () => {
  it('covers every window kind in both emit modes', () => {
    expect(CASES.map((c) => `${c.kind}/${c.emit}`)).toEqual([
      'tumbling/update', 'tumbling/final', 'hopping/update', 'hopping/final', 'sliding/update', 'sliding/final', 'session/update', 'session/final',
    ]);
  });

  it.each(CASES)('$kind windows, emit $emit: each record gives the expected windows, late ones are dead-lettered LATE', async (c) => {
    const d = await run(c);
    const input = d.inputTopic(detections);
    const output = d.outputTopic(counts);
    for (const [i, step] of c.steps.entries()) {
      const [key, timestamp] = step.in;
      await input.pipeInput(key, `${key}@${timestamp}`, timestamp);
      expect(output.readKeyValueTimestamps(), `step ${i}: ${key} at ${timestamp}`).toEqual(step[c.emit] ?? []);
    }
    const late = c.steps.filter((s) => s.late !== undefined);
    expect(d.deadLetters('count').map((dl) => ({ code: dl.code, key: dl.key, value: dl.value, lateness: Number(dl.context.lateness) }))).toEqual(
      late.map((s) => ({ code: 'LATE', key: s.in[0], value: `${s.in[0]}@${s.in[1]}`, lateness: s.late })),
    );
  });

  it('reduce combines the values of each window in arrival order, emitted once the window closes', async () => {
    const joined = topic('window-joined', { key: windowedKey(avro.string()), value: avro.string(), partitions: 1 });
    const op = windowedBy(tumbling('500ms').grace('100ms')).reduce((a: string, b: string) => `${a}|${b}`, { name: 'joined', key: avro.string(), value: avro.string(), emit: 'final' });
    const d = await testDriver(topology('windows').node('join', (n) => n.from(detections).pipe(op).to(joined)), { log: () => undefined });
    drivers.push(d);
    await d.inputTopic(detections).pipeRecordList([
      { key: 'cam-1', value: 'a', timestamp: 10 },
      { key: 'cam-1', value: 'c', timestamp: 510 },
      { key: 'cam-1', value: 'b', timestamp: 20 }, // out of order: joins T0 after a
      { key: 'cam-1', value: 'd', timestamp: 700 }, // closes T0
    ]);
    expect(d.outputTopic(joined).readKeyValueTimestamps()).toEqual([[T0, 'a|b', 20]]);
  });

  it('aggregate folds values into another type; merged sessions combine with merge()', async () => {
    const lengths = topic('session-lengths', { key: windowedKey(avro.string()), value: avro.nullable(avro.long()), partitions: 1 });
    const op = windowedBy(session('100ms').grace('200ms')).aggregate(() => 0, (sum: number, v: string) => sum + v.length, {
      name: 'lengths', key: avro.string(), value: avro.long(), merge: (a, b) => a + b,
    });
    const d = await testDriver(topology('windows').node('lengths', (n) => n.from(detections).pipe(op).to(lengths)), { log: () => undefined });
    drivers.push(d);
    await d.inputTopic(detections).pipeRecordList([
      { key: 'cam-1', value: 'x', timestamp: 1000 },
      { key: 'cam-1', value: 'yy', timestamp: 1200 },
      { key: 'cam-1', value: 'zzz', timestamp: 1100 }, // exactly the gap from both sessions: the gap is inclusive
    ]);
    expect(d.outputTopic(lengths).readKeyValueTimestamps()).toEqual([
      [S(1000, 1000), 1, 1000],
      [S(1200, 1200), 2, 1200],
      [S(1000, 1000), null, 1000],
      [S(1200, 1200), null, 1200],
      [S(1000, 1200), 6, 1200],
    ]);
  });

  it('serves its session store through the window store view: sessions overlapping the range, not past retention', async () => {
    const d = await run({ ...SESSION, emit: 'update' });
    await d.inputTopic(detections).pipeRecordList(SESSION.steps.map((s) => ({ key: s.in[0], value: 'x', timestamp: s.in[1] })));
    // Stream time 1950: sessions that ended more than gap + grace (300 ms) ago are gone.
    expect(d.windowStore<string, number>('count', 'counts').fetch('cam-1', 0, 5000)).toEqual([{ start: 1950, end: 1950, value: 1 }]);
  });

  it('keeps in its window store only windows not past retention (size + grace by default)', async () => {
    const d = await run({ ...TUMBLING, emit: 'update' });
    await d.inputTopic(detections).pipeRecordList(TUMBLING.steps.map((s) => ({ key: s.in[0], value: 'x', timestamp: s.in[1] })));
    const store = d.windowStore<string, Timestamped<number>>('count', 'counts');
    // Stream time 1130: T0 and T1 ended more than the 100 ms grace ago and are gone; T2 remains.
    expect(store.fetchAll(0, 2000)).toEqual([{ key: 'cam-1', start: 1000, end: 1500, value: { value: 2, timestamp: 1130 } }]);
    expect(store.fetch('cam-1', 1000, 1000)).toEqual([{ start: 1000, end: 1500, value: { value: 2, timestamp: 1130 } }]);
  });
});
