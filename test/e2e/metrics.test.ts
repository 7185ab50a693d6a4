import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderNames, parseTraceparent } from '@vision-flow/core';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { CLI_BIN, CliProcess, IMAGE_PIPELINE, REPO, SHARED_MODELS, jsonLines } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { parseMetrics, samples, total, type MetricFamily } from '../helpers/prometheus.js';
import { randomId } from '../helpers/random-id.js';
import { readRawTopic } from '../helpers/read-raw-topic.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';

// The image pipeline as five `vision-flow run --node X --http-port 0` processes on the real broker:
// each node's /ready goes 503 -> 200, its /metrics (scraped during the run, parsed with a Prometheus
// text-format parser) shows records flowing, inference per model and consumer lag draining to zero;
// every record of an image carries one W3C trace; `vision-flow top` shows the nodes in a terminal.

const IMAGE_COUNT = 40; // ../shared/images
const CONSUMERS = ['objects', 'faces', 'aggregate', 'deliver'] as const;
type Consumer = (typeof CONSUMERS)[number];
/** Input records each consumer gets for 40 images: aggregate reads objects and faces. */
const INPUTS: Record<Consumer, number> = { objects: 40, faces: 40, aggregate: 80, deliver: 40 };
/** Input partitions each consumer holds: six per input topic. */
const PARTITIONS: Record<Consumer, number> = { objects: 6, faces: 6, aggregate: 12, deliver: 6 };

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

const urlOf = (p: CliProcess) => /^http: (http:\/\/\S+) /m.exec(p.stderr)?.[1];

describe('node metrics, readiness, traceparent and top on the image pipeline as five processes', () => {
  const kns = new KafkaNamespace('t-metrics');
  const nodes = new Map<Consumer, CliProcess>();
  const urls = new Map<Consumer, string>();
  let ingest: CliProcess | undefined;
  let work: string;
  const tmuxSocket = `vf-top-${randomId()}`;
  // A server of its own (-L): the test never touches a user's tmux sessions. scripts/setup.sh installs tmux.
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', tmuxSocket, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vf-metrics-'));
    await kns.connect();
  });

  afterAll(async () => {
    tmux('kill-server');
    await endProcesses([...nodes.values(), ingest]);
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('serves /ready (503 until assigned, then 200) and /metrics with throughput, inference per model and lag that drains to zero', async () => {
    const out = join(work, 'results.jsonl');
    const common = [...kns.cliArgs, '--no-progress', '--http-port', '0'];
    for (const node of CONSUMERS) {
      const extra = node === 'deliver' ? ['--out', out] : node === 'aggregate' ? ['--set', 'timeout=60s'] : [];
      nodes.set(node, new CliProcess(['run', IMAGE_PIPELINE, '--node', node, ...common, ...extra], { timeoutMs: 300_000 }));
    }
    // Each server listens before its node starts: /ready answers 503 (saying why) until the node's partitions are assigned.
    const readiness = new Map<Consumer, number[]>();
    await Promise.all(
      CONSUMERS.map(async (node) => {
        const p = nodes.get(node)!;
        await p.waitFor(`${node}'s http line`, (_o, err) => urlOf({ stderr: err } as CliProcess) !== undefined, 90_000);
        const url = urlOf(p)!;
        urls.set(node, url);
        const seen: number[] = [];
        readiness.set(node, seen);
        await waitFor(`${node} ready`, async () => {
          const r = await get(`${url}/ready`);
          seen.push(r.status);
          if (r.status === 503) expect(JSON.parse(r.text)).toMatchObject({ status: 'not ready', nodes: { [node]: expect.any(String) } });
          return r.status === 200 ? true : undefined;
        }, 120_000, 100);
        expect((await get(`${url}/health`)).status).toBe(200);
      }),
    );
    for (const node of CONSUMERS) {
      const seen = readiness.get(node)!;
      expect(seen[0], `${node} /ready statuses ${seen.join(',')}`).toBe(503);
      expect(seen.at(-1)).toBe(200);
    }

    ingest = new CliProcess(['run', IMAGE_PIPELINE, '--node', 'ingest', ...common, '--images', SHARED_IMAGES], { timeoutMs: 120_000 });
    // Scrape every consumer every half second while the images go through.
    const scrapes = new Map<Consumer, Array<{ at: number; m: Map<string, MetricFamily> }>>(CONSUMERS.map((n) => [n, []]));
    const scrapeAll = async () => {
      for (const node of CONSUMERS) {
        const res = await get(`${urls.get(node)!}/metrics`);
        expect(res.status).toBe(200);
        scrapes.get(node)!.push({ at: Date.now(), m: parseMetrics(res.text) });
      }
    };
    const results = await waitFor('40 results from deliver', async () => {
      for (const [node, p] of nodes) if (p.child.exitCode !== null) throw new Error(`${node} exited early:\n${p.stderr}`);
      await scrapeAll();
      const text = await readFile(out, 'utf8').catch(() => '');
      const lines = text.endsWith('\n') ? jsonLines(text) : [];
      return lines.length >= IMAGE_COUNT ? lines : undefined;
    }, 240_000, 500);
    expect(results).toHaveLength(IMAGE_COUNT);
    const ingested = await ingest.exited;
    expect(ingested.code, ingested.stderr).toBe(0);

    // Lag drains to zero on every input partition each consumer holds.
    await waitFor('zero lag on every consumer', async () => {
      await scrapeAll();
      return CONSUMERS.every((n) => {
        const m = scrapes.get(n)!.at(-1)!.m;
        return samples(m, 'vision_flow_consumer_lag', { node: n }).length === PARTITIONS[n] && total(m, 'vision_flow_consumer_lag', { node: n }) === 0;
      }) || undefined;
    }, 60_000, 500);

    for (const node of CONSUMERS) {
      const series = scrapes.get(node)!;
      const last = series.at(-1)!.m;
      expect(total(last, 'vision_flow_records_in_total', { node }), node).toBe(INPUTS[node]);
      expect(total(last, 'vision_flow_dead_letters_total', { node }), node).toBe(0);
      expect(total(last, 'vision_flow_in_flight', { node }), node).toBe(0);
      expect(total(last, 'vision_flow_assigned_partitions', { node }), node).toBe(PARTITIONS[node]);
      expect(last.has('process_resident_memory_bytes'), node).toBe(true);
      // Non-zero throughput: between two scrapes during the run the node took records in.
      const rates = series.slice(1).map((s, i) => (total(s.m, 'vision_flow_records_in_total', { node }) - total(series[i]!.m, 'vision_flow_records_in_total', { node })) / ((s.at - series[i]!.at) / 1000));
      expect(Math.max(...rates), `${node} records/s between scrapes`).toBeGreaterThan(0);
    }
    // The nodes were behind while the images arrived (commits come every second): lag was seen above zero, then drained.
    const lagSeen = CONSUMERS.flatMap((n) => scrapes.get(n)!.map((s) => total(s.m, 'vision_flow_consumer_lag', { node: n })));
    expect(Math.max(...lagSeen)).toBeGreaterThan(0);
    const objects = scrapes.get('objects')!.at(-1)!.m;
    const faces = scrapes.get('faces')!.at(-1)!.m;
    expect(total(objects, 'vision_flow_records_out_total', { node: 'objects', topic: 'vision.objects' })).toBe(IMAGE_COUNT);
    expect(total(objects, 'vision_flow_inference_duration_seconds_count', { node: 'objects', operator: 'detectObjects', model: 'yolox-nano' })).toBe(IMAGE_COUNT);
    expect(total(faces, 'vision_flow_inference_duration_seconds_count', { node: 'faces', operator: 'detectFaces', model: 'ultraface-rfb-320' })).toBe(IMAGE_COUNT);
    expect(total(objects, 'vision_flow_stage_duration_seconds_count', { node: 'objects', stage: 'decodeImage+detectObjects' })).toBe(IMAGE_COUNT);
  });

  it("carries one W3C trace per image on its images, objects and analyses records, each hop with a span of its own", async () => {
    const hops = await Promise.all(['images.submitted', 'vision.objects', 'vision.analyses'].map((t) => readRawTopic(kns.view, t)));
    const traces = new Map<string, Array<{ traceId: string; spanId: string }>>();
    for (const messages of hops) {
      expect(messages).toHaveLength(IMAGE_COUNT);
      for (const m of messages) {
        const p = parseTraceparent(m.headers[HeaderNames.traceparent]);
        expect(p, `traceparent of ${m.topic}/${m.partition}/${m.offset}`).toBeDefined();
        const key = m.key!.toString('hex'); // the image id, the same bytes on every topic
        traces.set(key, [...(traces.get(key) ?? []), { traceId: p!.traceId, spanId: p!.spanId }]);
      }
    }
    expect(traces.size).toBe(IMAGE_COUNT);
    for (const chain of traces.values()) {
      expect(chain).toHaveLength(3);
      expect(new Set(chain.map((c) => c.traceId)).size).toBe(1);
      expect(new Set(chain.map((c) => c.spanId)).size).toBe(3);
    }
    expect(new Set([...traces.values()].map((c) => c[0]!.traceId)).size).toBe(IMAGE_COUNT);
  });

  it('shows the running nodes with their numbers in `vision-flow top`, in a real terminal (tmux)', async () => {
    const args = CONSUMERS.flatMap((n) => ['--url', urls.get(n)!]);
    const command = [process.execPath, CLI_BIN, 'top', ...args].map((a) => `'${a}'`).join(' ');
    const started = tmux('new-session', '-d', '-s', 'top', '-x', '180', '-y', '30', '-c', REPO, `VF_MODEL_DIR='${SHARED_MODELS}' ${command}`);
    expect(started.status, started.stderr).toBe(0);
    const pattern = (node: Consumer) => new RegExp(`^${node}\\s+running\\s+[\\d.]+\\s+[\\d.]+\\s+${INPUTS[node]}\\s+\\d+\\s+0\\s+0\\s+\\d+\\s+0\\s+0\\s+http://`, 'm');
    // The second frame has rates (the first has none to compare with).
    const screen = await waitFor('top to show every node with rates', async () => {
      const shot = tmux('capture-pane', '-p', '-t', 'top');
      if (shot.status !== 0) throw new Error(`tmux capture-pane failed: ${shot.stderr}`);
      return CONSUMERS.every((n) => pattern(n).test(shot.stdout)) ? shot.stdout : undefined;
    }, 30_000, 250);
    expect(screen).toMatch(/vision-flow top · 4 node processes · 4\/4 processes · lag 0/);
    expect(screen).toMatch(/^NODE\s+STATE\s+IN\/s\s+OUT\/s\s+IN\s+OUT\s+LAG\s+IN-FLIGHT\s+CREDITS\s+DLQ\s+ERRORS\s+URL/m);
    tmux('send-keys', '-t', 'top', 'C-c');
    await waitFor('top to quit on Ctrl-C', async () => (tmux('has-session', '-t', 'top').status !== 0 ? true : undefined), 10_000, 200);

    // SIGTERM: each node drains, commits and exits 0.
    await stopAndCheckExit(nodes, { withinMs: 30_000 });
  });
});
