import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, StreamRecord, TopicSerde, type TransportProducer } from '@vision-flow/core';
import { events, type TotalValue } from '../fixtures/persistent-store/totals-topology.js';
import { CliProcess } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';

// Issue 11, durable stores: a node with a persistent key-value store runs as its own OS process on
// the real broker, is SIGKILLed mid-run (no drain, no commit) and started again with the same
// command and state folder. It restores only the changelog's tail after its checkpoint (fewer
// records than the changelog holds, read from its CLI output), and the final totals per key are
// those of a run without a crash.

const FIXTURE = fileURLToPath(new URL('../fixtures/persistent-store/totals-topology.ts', import.meta.url));
const KEYS = 100;
const FIRST = 10_000;
const SECOND = 20_000;
const BATCH = 500;

interface Restore {
  readonly partition: number;
  readonly records: number;
  readonly from: number;
  readonly to: number;
}

function restores(stderr: string): Restore[] {
  return [...stderr.matchAll(/store totals partition (\d+) restored (\d+) records of .*?\(offsets (\d+)-(\d+)\)/g)].map((m) => ({ partition: Number(m[1]), records: Number(m[2]), from: Number(m[3]), to: Number(m[4]) }));
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
        producer.produce(serde.toMessage(new StreamRecord({ key, value: { key, seq }, timestamp: Date.now() })), (e) => {
          if (e) throw e;
        });
      }
      await producer.flush(30_000);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };

  it('restores only the tail after its checkpoint, and ends with the totals of a run without a crash', async () => {
    const total = FIRST + SECOND;
    const changelog = 'persistent-totals.totals.totals.changelog';
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

    const changelogAtKill = await kns.view.written(changelog);
    const second = start();
    await second.waitFor('both partitions restored', (_out, err) => restores(err).length === 2, 120_000);
    const restored = restores(second.stderr);
    console.log(`[pstore] changelog ${changelogAtKill} records at the kill; restart restored ${restored.map((r) => `p${r.partition}: ${r.records} (offsets ${r.from}-${r.to})`).join(', ')}`);
    for (const r of restored) {
      expect(r.from, `partition ${r.partition} starts from its checkpoint`).toBeGreaterThan(0);
      expect(r.records).toBeLessThan(r.to);
      expect(r.records).toBe(r.to - r.from); // every offset after the checkpoint, none before
    }
    expect(restored.reduce((n, r) => n + r.records, 0)).toBeLessThan(changelogAtKill);

    // Final totals: every key counted once per record, as without the crash.
    const expected = new Map<string, TotalValue>();
    for (let seq = 0; seq < total; seq++) {
      const key = `k${seq % KEYS}`;
      expected.set(key, { key, count: (expected.get(key)?.count ?? 0) + 1, lastSeq: seq });
    }
    const latest = async () => {
      const byKey = new Map<string, TotalValue>();
      for (const r of await kns.view.readAll('totals')) byKey.set(r.key as string, r.value as TotalValue);
      return byKey;
    };
    await waitFor('every key has its final total', async () => {
      const now = await latest();
      return [...expected].every(([k, v]) => now.get(k)?.lastSeq === v.lastSeq) ? true : undefined;
    }, 180_000);
    const final = await latest();
    expect(new Map([...final].sort())).toEqual(new Map([...expected].sort()));
    await stopAndCheckExit([['totals', second]], { withinMs: 30_000 });
  });
});
