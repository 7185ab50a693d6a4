import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, CAMERAS, MINUTE, READINGS, expectedCount, expectedWindows } from '../fixtures/query-views/counts-topology.js';
import { CliProcess, runCli } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';
import { waitFor } from '../helpers/wait-for.js';

// Query views as a user runs them, on the real broker: two instances of one stateful node as OS
// processes (`run --node count --query-port 0 --instance-id a|b`), `vision-flow query` answering
// from whichever holds the key, and a key asked of the wrong instance naming the one that has it.

const TOPOLOGY = fileURLToPath(new URL('../fixtures/query-views/counts-topology.ts', import.meta.url));
const cameras = Array.from({ length: CAMERAS }, (_, i) => `cam-${i}`);

interface StoresAnswer {
  instanceId: string;
  stores: Array<{ name: string; partitions: number[] }>;
  instances: { count: Array<{ instanceId: string; url: string; partitions: number[] }> };
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

describe('vision-flow query (query views of a running node, two instances)', () => {
  const kns = new KafkaNamespace('t-query');
  const env = { VF_BROKERS: kns.brokers, VF_REGISTRY: kns.registry, VF_NAMESPACE: kns.name };
  const running: CliProcess[] = [];
  const urls = new Map<string, string>();
  const count = (id: string) => {
    const p = new CliProcess(['run', TOPOLOGY, '--node', 'count', '--query-port', '0', '--instance-id', id, '--session-timeout', '10s', '--no-progress'], { env, timeoutMs: 300_000 });
    running.push(p);
    return p;
  };
  const urlOf = async (id: string, p: CliProcess) => {
    await p.waitFor(`instance ${id} serving`, (_out, err) => /query views: http:\/\/\S+ \(instance /.test(err), 90_000);
    urls.set(id, /query views: (http:\/\/\S+) \(instance /.exec(p.stderr)![1]!);
  };

  beforeAll(async () => {
    const a = count('a');
    const b = count('b');
    await Promise.all([urlOf('a', a), urlOf('b', b)]);
    // Both hold partitions and both know it, before any reading is written: no store moves later.
    await waitFor('a and b to split the four partitions and publish it', async () => {
      const [sa, sb] = await Promise.all([getJson<StoresAnswer>(`${urls.get('a')}/stores`), getJson<StoresAnswer>(`${urls.get('b')}/stores`)]);
      const held = [...sa.body.stores[0]!.partitions, ...sb.body.stores[0]!.partitions].sort();
      const published = sa.body.instances.count.flatMap((i) => i.partitions).sort();
      return held.join() === '0,1,2,3' && published.join() === '0,1,2,3' && sa.body.stores[0]!.partitions.length > 0 && sb.body.stores[0]!.partitions.length > 0 ? true : undefined;
    }, 90_000, 500);
    const feed = await runCli(['run', TOPOLOGY, '--node', 'feed', '--no-progress'], { env, timeoutMs: 120_000 });
    expect(feed.code, feed.stderr).toBe(0);
    await waitFor('every reading counted', async () => {
      const all = await Promise.all([...urls.values()].map((u) => getJson<{ entries: Array<{ value: number }> }>(`${u}/stores/counts`)));
      return all.flatMap((a) => a.body.entries).reduce((n, e) => n + e.value, 0) === READINGS ? true : undefined;
    }, 60_000, 500);
  }, 240_000);

  afterAll(async () => {
    await endProcesses(running);
    await kns.drop();
  });

  it('answers a key from the instance that holds it, found through the brokers', async () => {
    for (const camera of ['cam-0', 'cam-5']) {
      const r = await runCli(['query', TOPOLOGY, 'counts', camera, ...kns.cliArgs]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ store: 'counts', key: camera, value: expectedCount(camera) });
    }
  }, 60_000);

  it('tells a client that asks the wrong instance which instance has the key, and vision-flow query follows it there', async () => {
    const a = urls.get('a')!, b = urls.get('b')!;
    const onB = await waitFor('a camera held by b', async () => {
      for (const camera of cameras) if ((await getJson(`${a}/stores/counts/${camera}`)).status === 421) return camera;
      return undefined;
    }, 5_000);

    const wrong = await getJson<{ error: string; owner: { instanceId: string; url: string }; partition: number }>(`${a}/stores/counts/${onB}`);
    expect(wrong.status).toBe(421);
    expect(wrong.body.owner).toEqual({ instanceId: 'b', url: b });
    expect(wrong.body.error).toBe(`key ${onB} of store "counts" is in partition ${wrong.body.partition}, held by instance b at ${b}`);

    const r = await runCli(['query', TOPOLOGY, 'counts', onB, '--url', a]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`held by instance b at ${b}; asking it at ${b}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: onB, value: expectedCount(onB), instanceId: 'b', partition: wrong.body.partition });
  }, 60_000);

  it('fetches a window range (both ends inclusive, ISO or ms), lists every entry, and exits 1 for a key no store has', async () => {
    const from = BASE + MINUTE, to = BASE + 3 * MINUTE;
    const windows = await runCli(['query', TOPOLOGY, 'per-minute', 'cam-3', '--from', new Date(from).toISOString(), '--to', String(to), ...kns.cliArgs]);
    expect(windows.code, windows.stderr).toBe(0);
    const expected = expectedWindows('cam-3').filter((w) => w.start >= from && w.start <= to);
    expect(expected.length).toBeGreaterThan(1);
    expect(JSON.parse(windows.stdout).windows).toEqual(expected);

    const all = await runCli(['query', TOPOLOGY, 'counts', ...kns.cliArgs]);
    expect(all.code, all.stderr).toBe(0);
    const entries = (JSON.parse(all.stdout) as { entries: Array<{ key: string; value: number }> }).entries.map((e) => [e.key, e.value]).sort();
    expect(entries).toEqual(cameras.map((c) => [c, expectedCount(c)]));

    const missing = await runCli(['query', TOPOLOGY, 'counts', 'cam-99', ...kns.cliArgs]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('key cam-99 is not in store "counts"');
  }, 90_000);

  it('leaves the instances topic when stopped, so a query then says no instance serves', async () => {
    await stopAndCheckExit(running.map((p, i) => [`count-${i}`, p] as const));
    const r = await runCli(['query', TOPOLOGY, 'counts', 'cam-0', ...kns.cliArgs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no instance of node count serves query views');
  }, 90_000);
});
