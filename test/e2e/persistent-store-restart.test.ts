import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, StreamRecord, TopicSerde, type TransportProducer } from '@vision-flow/core';
import { events, WINDOW_MS, type TotalValue } from '../fixtures/persistent-store/totals-topology.js';
import { CliProcess } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';
import { retainedEventTimeBase } from '../helpers/event-time.js';

// Issue 11, durable stores: a node with a persistent key-value store and a persistent window store
// runs as its own OS process on the real broker, is SIGKILLed mid-run (no drain, no commit) and
// started again with the same command and state folder. Each store restores only its changelog's
// tail after its checkpoint (fewer records than the changelog holds, read from its CLI output), and
// the final totals per key and per key and minute are those of a run without a crash.

const FIXTURE = fileURLToPath(new URL('../fixtures/persistent-store/totals-topology.ts', import.meta.url));
const KEYS = 100;
const FIRST = 10_000;
const SECOND = 20_000;
const BATCH = 500;
/** Event time moves 200 ms a record: 300 records a minute window, 100 minutes in all (windows expire after 11). */
const STEP_MS = 200;
const T0 = retainedEventTimeBase();

interface Restore {
  readonly partition: number;
  readonly records: number;
  readonly from: number;
  readonly to: number;
}

function restores(stderr: string, store = 'totals'): Restore[] {
  return [...stderr.matchAll(new RegExp(`store ${store} partition (\\d+) restored (\\d+) records of .*?\\(offsets (\\d+)-(\\d+)\\)`, 'g'))].map((m) => ({ partition: Number(m[1]), records: Number(m[2]), from: Number(m[3]), to: Number(m[4]) }));
}
describe('a persistent store after SIGKILL (real broker, node as a process)', () => {
  const kns = new KafkaNamespace('t-pstore');
  const stateDir = mkdtempSync(join(tmpdir(), 'vf-pstore-'));
  const procs: CliProcess[] = [];
  let serde: TopicSerde<string, { key: string; seq: number }>;
  let producer: TransportProducer;

  beforeAll(async () => {
    await kns.connect();
    const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), kns.name);
    await kns.view.ns.admin().createTopics([{ name: events.name, partitions: events.partitions }]);
    serde = new TopicSerde(events, registry) as unknown as TopicSerde<string, { key: string; seq: number }>;
    await serde.register();
    producer = await kns.view.ns.producer({ clientId: 'pstore-input', acknowledge: 'each' });
  });
  afterAll(async () => {
    await endProcesses(procs);
    await producer?.close();
    await kns.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const start = () => {
    const p = new CliProcess(['run', FIXTURE, '--node', 'totals', ...kns.cliArgs, '--state-dir', stateDir, '--session-timeout', '10s', '--no-progress'], { timeoutMs: 10 * 60_000 });
    procs.push(p);
    return p;
  };

  const produce = async (from: number, to: number, pauseMs: number) => {
    for (let i = from; i < to; i += BATCH) {
      for (let seq = i; seq < Math.min(i + BATCH, to); seq++) {
        const key = `k${seq % KEYS}`;
        producer.produce(serde.toMessage(new StreamRecord({ key, value: { key, seq }, timestamp: T0 + seq * STEP_MS })), (e) => {
          if (e) throw e;
        });
      }
      await producer.flush(30_000);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };

  it('restores only the tail after its checkpoint, and ends with the totals of a run without a crash', async () => {
    const total = FIRST + SECOND;
    const changelogs = ['totals', 'perMinute'].map((store) => `persistent-totals.totals.${store}.changelog`);
    await produce(0, FIRST, 0);

    const first = start();
    await waitFor('the first run has counted the first records', async () => ((await kns.view.written('totals')) >= FIRST ? true : undefined), 120_000);
    // The second part arrives over a few seconds, so commits (and so checkpoints) go on while it is counted.
    const feeding = produce(FIRST, total, 150);
    await waitFor('the first run is in the middle of the second part', async () => ((await kns.view.written('totals')) >= FIRST + SECOND / 2 ? true : undefined), 120_000);
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    await feeding;
    expect(restores(killed.stderr).map((r) => r.records)).toEqual([0, 0]); // a fresh start: nothing to restore

    const atKill = await Promise.all(changelogs.map((c) => kns.view.written(c)));
    const second = start();
    await second.waitFor('both stores of both partitions restored', (_out, err) => restores(err).length === 2 && restores(err, 'perMinute').length === 2, 120_000);
    for (const [i, store] of ['totals', 'perMinute'].entries()) {
      const restored = restores(second.stderr, store);
      console.log(`[pstore] ${store}: changelog ${atKill[i]} records at the kill; restart restored ${restored.map((r) => `p${r.partition}: ${r.records} (offsets ${r.from}-${r.to})`).join(', ')}`);
      for (const r of restored) {
        expect(r.from, `${store} partition ${r.partition} starts from its checkpoint`).toBeGreaterThan(0);
        expect(r.records).toBeLessThan(r.to);
        expect(r.records).toBe(r.to - r.from); // every offset after the checkpoint, none before
      }
      expect(restored.reduce((n, r) => n + r.records, 0)).toBeLessThan(atKill[i]!);
    }

    // Final totals: every key, and every key and minute, counted once per record, as without the crash.
    const expectedTotals = new Map<string, number>();
    const expectedWindows = new Map<string, number>();
    for (let seq = 0; seq < total; seq++) {
      const key = `k${seq % KEYS}`;
      const ts = T0 + seq * STEP_MS;
      const window = `${key}@${ts - (ts % WINDOW_MS)}`;
      expectedTotals.set(key, (expectedTotals.get(key) ?? 0) + 1);
      expectedWindows.set(window, (expectedWindows.get(window) ?? 0) + 1);
    }
    const lastSeq = total - 1;
    const follower = await kns.view.follow('totals');
    const latest = async () => {
      await follower.catchUp();
      const totals = new Map<string, number>();
      const windows = new Map<string, number>();
      let done = 0;
      for (const r of follower.records) {
        const v = r.value as TotalValue;
        totals.set(v.key, v.count);
        windows.set(`${v.key}@${v.windowStart}`, v.windowCount);
        if (v.lastSeq > lastSeq - KEYS) done++;
      }
      return { totals, windows, done };
    };
    let final: Awaited<ReturnType<typeof latest>>;
    try {
      final = await waitFor('every key has its last record counted', async () => {
        const now = await latest();
        return now.done >= KEYS ? now : undefined;
      }, 180_000);
    } finally {
      await follower.close();
    }
    const wrong = [...expectedWindows].filter(([w, n]) => final.windows.get(w) !== n).map(([w]) => w);
    if (wrong.length > 0) {
      for (const w of wrong.slice(0, 3)) console.log(`[pstore] ${w}: ${JSON.stringify(follower.records.filter((r) => `${(r.value as TotalValue).key}@${(r.value as TotalValue).windowStart}` === w).map((r) => [r.partition, r.offset, r.value]))}`);
      console.log(`[pstore] ${wrong.length} windows wrong; restores in the second run: ${JSON.stringify(restores(second.stderr, 'perMinute'))}; stderr:\n${second.stderr.slice(-3000)}`);
    }
    expect(new Map([...final.totals].sort())).toEqual(new Map([...expectedTotals].sort()));
    expect(new Map([...final.windows].sort())).toEqual(new Map([...expectedWindows].sort()));
    await stopAndCheckExit([['totals', second]], { withinMs: 30_000 });
  });
});
