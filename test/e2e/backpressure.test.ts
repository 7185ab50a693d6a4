import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamespacedTransport } from '@vision-flow/core';
import { CliProcess, jsonLines } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';

// A sink ten times slower than its source, as OS processes on the real broker: the slow node
// must hold back by pulling less (its consumer lag grows), not by buffering (its memory stays flat).

const TOPOLOGY = fileURLToPath(new URL('../fixtures/backpressure-topology.ts', import.meta.url));
const COUNT = 2000;
const BYTES = 10_240; // 20 MB of readings in all
const SINK_DELAY_MS = 10; // one at a time: at most 100 records/s
/** Resident memory either node may use. Measured here (2 cores): peaks of 148 MB (produce) and 164 MB (deliver). */
const RSS_BOUND_MB = 350;

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process has exited
  }
}

describe('backpressure: a deliver sink ten times slower than the source', () => {
  const kns = new KafkaNamespace();
  const dir = mkdtempSync(join(tmpdir(), 'vf-backpressure-'));
  const out = join(dir, 'delivered.jsonl');
  let transport: NamespacedTransport;
  const env = { VF_BROKERS: kns.brokers, VF_REGISTRY: kns.registry, VF_NAMESPACE: kns.name };

  beforeAll(async () => {
    transport = (await kns.connect()).ns;
  });

  afterAll(async () => {
    await kns.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function lag(): Promise<number> {
    const ends = await transport.admin().endOffsets('bp.readings');
    const committed = new Map((await transport.admin().committedOffsets('backpressure.deliver', 'bp.readings')).map((o) => [o.partition, o.offset]));
    return ends.reduce((n, e) => n + e.offset - (committed.get(e.partition) ?? 0), 0);
  }

  it('grows lag while the source runs ahead, keeps both nodes under the memory bound, and delivers every record', async () => {
    const deliver = new CliProcess(['run', TOPOLOGY, '--node', 'deliver', '--out', out, '--set', `sinkDelayMs=${SINK_DELAY_MS}`, '--no-progress'], { env, timeoutMs: 240_000 });
    const rss = { deliver: 0, produce: 0 };
    const lagSamples: number[] = [];
    const sampler = setInterval(() => {
      rss.deliver = Math.max(rss.deliver, rssMb(deliver.child.pid!) ?? 0);
      if (produce) rss.produce = Math.max(rss.produce, rssMb(produce.child.pid!) ?? 0);
    }, 200);
    let produce: CliProcess | undefined;
    try {
      // The deliver node has joined once its group has the input topic's partitions.
      await expect.poll(async () => (await transport.admin().describeTopic('bp.readings'))?.partitions, { timeout: 60_000, interval: 500 }).toBe(6);
      const started = Date.now();
      produce = new CliProcess(['run', TOPOLOGY, '--node', 'produce', '--set', `count=${COUNT}`, '--set', `bytes=${BYTES}`, '--no-progress'], { env, timeoutMs: 120_000 });
      const produced = await produce.exited;
      const sourceSeconds = (Date.now() - started) / 1000;
      expect(produced.code, produced.stderr).toBe(0);
      const lagWhenSourceDone = await lag();
      lagSamples.push(lagWhenSourceDone);

      // Then the slow sink works the lag off by itself.
      await expect
        .poll(async () => {
          lagSamples.push(await lag());
          return lagSamples.at(-1);
        }, { timeout: 120_000, interval: 1000 })
        .toBe(0);
      const sinkSeconds = (Date.now() - started) / 1000;
      await expect.poll(() => jsonLines(readFileSync(out, 'utf8')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(COUNT);

      deliver.kill('SIGTERM');
      const delivered = await deliver.exited;
      expect(delivered.code, delivered.stderr).toBe(0);

      const ids = new Set(jsonLines<{ id: string }>(readFileSync(out, 'utf8')).map((r) => r.id));
      const missing = Array.from({ length: COUNT }, (_, i) => `r-${i}`).filter((id) => !ids.has(id));
      console.log(
        `backpressure: source ${COUNT} records in ${sourceSeconds.toFixed(1)} s, sink drained at ${sinkSeconds.toFixed(1)} s (${(sinkSeconds / sourceSeconds).toFixed(1)}× slower); ` +
          `lag when the source finished ${lagWhenSourceDone}, max lag ${Math.max(...lagSamples)}; peak RSS produce ${rss.produce.toFixed(0)} MB, deliver ${rss.deliver.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)`,
      );
      expect(missing, 'records never delivered').toEqual([]);
      // The source ran ahead: most of what it wrote was still waiting in Kafka when it finished...
      expect(lagWhenSourceDone).toBeGreaterThan(COUNT * 0.5);
      // ...while the slow node held only what it pulled, not the backlog.
      expect(rss.deliver).toBeGreaterThan(0);
      expect(rss.deliver).toBeLessThan(RSS_BOUND_MB);
      expect(rss.produce).toBeLessThan(RSS_BOUND_MB);
    } finally {
      clearInterval(sampler);
      await endProcesses([deliver, produce]);
    }
  });
});
