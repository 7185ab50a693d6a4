import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, TopologyRunner, type DeadLetter, type Windowed } from '@vision-flow/core';
import { MAX_DISORDER_MS, MIN_LATENESS_MS, WINDOW_CASES, peerAggArg, type WindowCase } from '../fixtures/kstreams/window-cases.js';
import { generateWindowInput, windowInput, type GeneratedReading } from '../fixtures/kstreams/window-input.js';
import { vfOutput, windowTopology } from '../fixtures/kstreams/window-topology.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { KStreamsPeer } from '../helpers/kstreams-peer.js';
import { testSeed } from '../helpers/pipeline-processes.js';
import { produceWindowInput } from '../helpers/produce-window-input.js';
import { readRawTopic } from '../helpers/read-raw-topic.js';
import { waitFor } from '../helpers/wait-for.js';

// The same windowed aggregations in Kafka Streams 4.x (test/kstreams) and in vision-flow, over the
// same input topic on the same broker: every window kind, emit final and on update, count and sum,
// on seeded input with repeated keys, out-of-order records within grace and records late past
// grace. Final results must be identical record for record; the late records are dropped by Kafka
// Streams and dead-lettered (LATE) by vision-flow. VF_KSTREAMS_SEED replays a failure.

const SEED = testSeed('VF_KSTREAMS_SEED');
const RECORDS = Number(process.env['VF_KSTREAMS_RECORDS'] ?? 5_000);
const HOUR = 3_600_000;

/** `<key>@<start>-<end>` → the values written for that window, in order (both sides write a window's updates to one partition). */
type Results = Map<string, Array<string | null>>;

describe(`windowed aggregations against Kafka Streams (seed ${SEED})`, () => {
  const kns = new KafkaNamespace('t-kstreams');
  const stateDir = mkdtempSync(join(tmpdir(), 'vf-kstreams-'));
  let peer: KStreamsPeer | undefined;
  let runner: TopologyRunner | undefined;
  let readings: GeneratedReading[] = [];

  beforeAll(async () => {
    KStreamsPeer.jar(); // builds it once per source change (Maven), before the clock of the test starts
    await kns.connect();
    const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), kns.name);
    // Recent event time: the broker deletes records past its retention by their timestamps.
    readings = generateWindowInput({ seed: SEED, records: RECORDS, t0: Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR, maxDisorderMs: MAX_DISORDER_MS, minLatenessMs: MIN_LATENESS_MS });
    await produceWindowInput(kns.view.ns, registry, readings);
    await kns.view.ns.admin().createTopics(WINDOW_CASES.map((c) => ({ name: `ks.${c.name}`, partitions: 4 })));
    runner = new TopologyRunner(windowTopology(WINDOW_CASES), { transport: kns.view.ns, registry, log: () => undefined, stateDir: join(stateDir, 'vf') });
  });

  afterAll(async () => {
    await peer?.stop();
    await runner?.stop();
    await kns.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('gives the same windows and values as Kafka Streams, and dead-letters what Kafka Streams drops as late', async () => {
    peer = new KStreamsPeer({
      brokers: kns.brokers,
      input: `${kns.name}.${windowInput.name}`,
      appId: `${kns.name}.kstreams`,
      stateDir: join(stateDir, 'ks'),
      aggs: WINDOW_CASES.map((c) => peerAggArg(c, `${kns.name}.ks.${c.name}`)),
    });
    await runner!.start();
    await waitFor(
      `every node committed all ${readings.length} inputs (${JSON.stringify(runner!.stats().map((s) => [s.node, s.processed, s.deadLettered]))})`,
      async () => {
        for (const c of WINDOW_CASES) if ((await kns.view.lag(`kstreams-check.${c.name}`, windowInput.name)) > 0) return undefined;
        return true;
      },
      170_000,
    );
    await runner!.stop();
    await peer.waitProcessed(readings.length, 170_000);
    const ks = await peer.stop(); // closing flushes its output

    const late = readings.filter((r) => r.late);
    expect(late.length, 'the generator made late records').toBeGreaterThan(0);
    // Each late record is dropped by every aggregation (hopping ones count it once per window).
    expect(ks.dropped).toBeGreaterThanOrEqual(late.length * WINDOW_CASES.length);

    const offsets = inputOffsets(readings);
    const lateInputs = late.map((r) => offsets.get(r)!).sort();
    const mismatches: string[] = [];
    for (const c of WINDOW_CASES) {
      const theirs = await kstreamsResults(c);
      const ours = await visionFlowResults(c);
      expect(theirs.size, `${c.name}: Kafka Streams wrote windows`).toBeGreaterThan(0);
      mismatches.push(...compare(c, theirs, ours));
      // The input exercises what it is meant to: repeated updates of a window, sessions merging.
      const values = [...theirs.values()].flat();
      if (c.emit === 'update') expect(values.length, `${c.name}: updates per window`).toBeGreaterThan(theirs.size);
      if (c.emit === 'update' && c.window === 'session') expect(values.filter((v) => v === null).length, `${c.name}: merged sessions`).toBeGreaterThan(0);
      const dlq = (await kns.view.readAll(`${c.name}.dlq`)).map((r) => r.value as DeadLetter);
      expect(dlq.map((d) => d.code), `${c.name}: dead letters`).toEqual(dlq.map(() => 'LATE'));
      expect(dlq.map((d) => `${d.partition}/${d.offset}`).sort(), `${c.name}: the late records are the dead-lettered ones`).toEqual(lateInputs);
    }
    expect(mismatches.slice(0, 20), `${mismatches.length} differences from Kafka Streams`).toEqual([]);
  });

  async function kstreamsResults(c: WindowCase): Promise<Results> {
    const out: Results = new Map();
    for (const m of await readRawTopic(kns.view, `ks.${c.name}`)) {
      const id = m.key!.toString('utf8');
      out.set(id, [...(out.get(id) ?? []), m.value === null ? null : m.value.toString('utf8')]);
    }
    return out;
  }

  async function visionFlowResults(c: WindowCase): Promise<Results> {
    const out: Results = new Map();
    for (const r of await kns.view.readAll(vfOutput(c).name)) {
      const k = r.key as Windowed<string>;
      const id = `${k.key}@${Number(k.start)}-${Number(k.end)}`;
      out.set(id, [...(out.get(id) ?? []), r.value === null ? null : String(r.value)]);
    }
    return out;
  }
});

/** `partition/offset` of each generated record: records go to their partitions in order. */
function inputOffsets(readings: readonly GeneratedReading[]): Map<GeneratedReading, string> {
  const next = new Map<number, number>();
  const out = new Map<GeneratedReading, string>();
  for (const r of readings) {
    const offset = next.get(r.partition) ?? 0;
    next.set(r.partition, offset + 1);
    out.set(r, `${r.partition}/${offset}`);
  }
  return out;
}

/**
 * Emit final: the same windows, each written once with the same value. Emit on update: the same
 * windows, each with the same sequence of values (Kafka Streams' record cache is off in the peer),
 * tombstones of merged sessions included.
 */
function compare(c: WindowCase, theirs: Results, ours: Results): string[] {
  const diffs: string[] = [];
  for (const id of new Set([...theirs.keys(), ...ours.keys()])) {
    const a = JSON.stringify(theirs.get(id) ?? []);
    const b = JSON.stringify(ours.get(id) ?? []);
    if (a !== b) diffs.push(`${c.name} ${id}: Kafka Streams ${a}, vision-flow ${b}`);
  }
  return diffs;
}
