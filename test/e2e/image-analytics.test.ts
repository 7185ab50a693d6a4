// The image analytics topology after the image pipeline, embedded (one MemoryBroker shared by both
// runs, one in-memory registry), over ../shared/images with the real models: the per camera and
// label counts per minute it emits, and its activity sessions, equal what the analyses on
// vision.analyses give when counted directly; both stores answer the same through the query views.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry, MemoryTransport, QueryViews, TopicSerde, TopologyRunner, type AnyTopic, type Rec } from '@vision-flow/core';
import { MemoryBroker } from '@vision-flow/core/testing';
import imageAnalytics, { activity, cameraOf, isFirstResult, labelCounts } from '../../topologies/image-analytics.js';
import imagePipeline, { analyses } from '../../topologies/image-pipeline.js';
import type { Activity } from '../../topologies/image-analytics/schemas.js';
import type { ImageAnalysis } from '../../topologies/image-pipeline/schemas.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { SHARED_MODELS } from '../helpers/cli.js';

const MINUTE = 60_000;
const GAP = 5 * MINUTE;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Every record of a topic, all partitions, decoded. */
async function readTopic<K, V>(transport: MemoryTransport, registry: InMemorySchemaRegistry, t: AnyTopic): Promise<Array<Rec<K, V>>> {
  const reader = await transport.reader();
  await reader.assign(Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition, offset: 0 })));
  const serde = new TopicSerde(t, registry);
  const out: Array<Rec<K, V>> = [];
  for (;;) {
    const batch = await reader.poll(1000, 200);
    if (batch.length === 0) break;
    for (const m of batch) out.push((await serde.fromMessage(m)) as Rec<K, V>);
  }
  await reader.close();
  return out;
}

async function getJson(url: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON read back
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const windowKey = (camera: string, label: string, start: number): string => JSON.stringify([camera, label, start]);

describe('image analytics after the image pipeline', () => {
  it('counts objects per camera, label and minute, and activity sessions per camera, as the analyses give them', async () => {
    const broker = new MemoryBroker();
    const registry = new InMemorySchemaRegistry();
    const out = await mkdtemp(join(tmpdir(), 'vf-analytics-'));
    cleanups.push(() => rm(out, { recursive: true, force: true }));

    const pipelineTransport = new MemoryTransport({ broker });
    cleanups.push(() => pipelineTransport.close());
    const pipeline = new TopologyRunner(imagePipeline, {
      transport: pipelineTransport, registry, modelDir: SHARED_MODELS, params: { images: SHARED_IMAGES, out: join(out, 'results.jsonl') },
      log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20 },
    });
    await pipeline.start();
    await pipeline.runUntilDrained();

    // What the analytics should find, counted straight from the analyses.
    const results = (await readTopic<string, ImageAnalysis>(pipelineTransport, registry, analyses)).map((r) => r.value).filter(isFirstResult);
    expect(results.length).toBe(40);
    const cameras = [...new Set(results.map((a) => cameraOf(a.id)))].sort();
    expect(cameras).toEqual(['coco', 'faces']);
    const expectedCounts = new Map<string, number>();
    for (const a of results) {
      for (const o of a.objects) {
        const k = windowKey(cameraOf(a.id), o.label, a.submittedAt - (a.submittedAt % MINUTE));
        expectedCounts.set(k, (expectedCounts.get(k) ?? 0) + 1);
      }
    }
    const total = (camera: string, label: string): number => [...expectedCounts].filter(([k]) => k.startsWith(JSON.stringify([camera, label]).slice(0, -1))).reduce((n, [, c]) => n + c, 0);
    expect(total('faces', 'person'), 'persons in the faces folder').toBeGreaterThan(5);
    expect(total('coco', 'bus'), 'buses in the COCO samples').toBeGreaterThan(1);
    const official = new Set(results.flatMap((a) => a.objects.map((o) => o.label)));
    for (const old of ['tvmonitor', 'sofa', 'diningtable', 'pottedplant', 'motorbike', 'aeroplane']) expect(official.has(old), old).toBe(false);
    expect(official.has('airplane'), 'the planes over the Harbour Bridge carry the official name').toBe(true);
    const expectedSessions = new Map<string, Array<{ start: number; end: number; value: Activity }>>();
    for (const camera of cameras) {
      const sessions: Array<{ start: number; end: number; value: Activity }> = [];
      for (const a of results.filter((x) => cameraOf(x.id) === camera).sort((x, y) => x.submittedAt - y.submittedAt)) {
        const people = a.objects.filter((o) => o.label === 'person').length;
        const last = sessions.at(-1);
        if (last && a.submittedAt - last.end <= GAP) {
          last.end = a.submittedAt;
          last.value = { images: last.value.images + 1, objects: last.value.objects + a.objects.length, people: last.value.people + people };
        } else sessions.push({ start: a.submittedAt, end: a.submittedAt, value: { images: 1, objects: a.objects.length, people } });
      }
      expectedSessions.set(camera, sessions);
    }

    // The analytics topology on the same broker, with its query views.
    const transport = new MemoryTransport({ broker });
    cleanups.push(() => transport.close());
    const analytics = new TopologyRunner(imageAnalytics, { transport, registry, log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } });
    const views = new QueryViews(analytics, { transport, registry, port: 0, instanceId: 'analytics' });
    cleanups.push(() => analytics.stop(), () => views.close());
    await analytics.start();
    const url = await views.start();
    const processed = (node: string): number => analytics.stats().filter((s) => s.node === node).reduce((n, s) => n + s.processed, 0);
    const sightings = results.reduce((n, a) => n + a.objects.length, 0);
    await until('every sighting counted and every image in a session', () => processed('label-counts') === sightings && processed('activity') === results.length);

    // Query views: the window store per { camera, label }, the session store per camera.
    const fromViews = new Map<string, number>();
    const groups = new Set([...expectedCounts.keys()].map((k) => JSON.stringify((JSON.parse(k) as [string, string, number]).slice(0, 2))));
    for (const [camera, label] of [...groups].map((g) => JSON.parse(g) as [string, string])) {
      const key = encodeURIComponent(JSON.stringify({ camera, label }));
      const answer = await getJson(`${url}/stores/label-counts/${key}`);
      expect(answer.status, `${camera} ${label}`).toBe(200);
      for (const w of answer.body.windows as Array<{ start: number; end: number; value: { value: number } }>) {
        expect(w.end - w.start).toBe(MINUTE);
        fromViews.set(windowKey(camera, label, w.start), w.value.value);
      }
    }
    expect(Object.fromEntries(fromViews)).toEqual(Object.fromEntries(expectedCounts));
    for (const camera of cameras) {
      const answer = await getJson(`${url}/stores/activity/${camera}`);
      expect(answer.status, camera).toBe(200);
      expect(answer.body.windows, camera).toEqual(expectedSessions.get(camera));
    }

    // The end of input closes every window: each is emitted once, final, with the window in the key.
    await analytics.runUntilDrained();
    const emitted = await readTopic<{ key: { camera: string; label: string }; start: number; end: number }, number>(transport, registry, labelCounts);
    const fromTopic = new Map<string, number>();
    for (const r of emitted) {
      const k = windowKey(r.key.key.camera, r.key.key.label, r.key.start);
      expect(fromTopic.has(k), `${k} emitted once`).toBe(false);
      expect(r.key.end - r.key.start).toBe(MINUTE);
      fromTopic.set(k, r.value);
    }
    expect(emitted.length).toBe(expectedCounts.size);
    expect(Object.fromEntries(fromTopic)).toEqual(Object.fromEntries(expectedCounts));

    // Activity in update mode: the latest value of each session key that was not merged away.
    const latest = new Map<string, Activity | null>();
    for (const r of await readTopic<{ key: string; start: number; end: number }, Activity | null>(transport, registry, activity)) {
      latest.set(JSON.stringify([r.key.key, r.key.start, r.key.end]), r.value);
    }
    const live = [...latest].filter(([, v]) => v !== null).map(([k, value]) => {
      const [camera, start, end] = JSON.parse(k) as [string, number, number];
      return { camera, start, end, value };
    });
    expect(live.sort((a, b) => a.camera.localeCompare(b.camera) || a.start - b.start)).toEqual(
      cameras.flatMap((camera) => expectedSessions.get(camera)!.map((s) => ({ camera, ...s }))),
    );
  }, 60_000);
});
