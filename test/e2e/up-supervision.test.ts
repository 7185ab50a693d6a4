import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_PIPELINE, jsonLines, runCli } from '../helpers/cli.js';
import { pollUntil } from '../helpers/pipeline-processes.js';
import { UpRun } from '../helpers/up-run.js';

// `vision-flow up` beyond the crash test (up-processes.test.ts): replicas of a node share its
// partitions as separate processes; a node that fails at every start is given up on after
// --max-restarts, and with --on-give-up stop-all up stops everything and exits 1; bad input gets
// an error naming the fix.

const BACKPRESSURE = fileURLToPath(new URL('../fixtures/backpressure-topology.ts', import.meta.url));
const COUNT = 600;

describe('vision-flow up --replicas', () => {
  const up = new UpRun('t-up-rep');
  beforeAll(() => up.setUp());
  afterAll(() => up.tearDown());

  it('runs two deliver processes, each with its own pid and HTTP port, that share the readings between them', async () => {
    const out = join(up.work, 'out.jsonl');
    up.start([BACKPRESSURE, '--replicas', 'deliver=2', '--set', `count=${COUNT}`, '--set', 'bytes=64', '--set', 'sinkDelayMs=20', '--out', out]);
    await up.waitForLog('both replicas started', (l) => /deliver#2 started/.test(l), 180_000);
    const nodes = await up.ps();
    expect(nodes.map((n) => [n.name, n.replica])).toEqual([['produce#1', 1], ['deliver#1', 1], ['deliver#2', 2]]);
    const [d1, d2] = nodes.filter((n) => n.node === 'deliver');
    expect(d1!.pid).not.toBe(d2!.pid);
    expect(d1!.httpPort).not.toBe(d2!.httpPort);

    const ids = new Set<string>();
    const delivered = await pollUntil(async () => {
      for (const r of jsonLines<{ id: string }>(await readFile(out, 'utf8').catch(() => ''))) ids.add(r.id);
      return ids.size === COUNT;
    }, 300_000, 1_000);
    expect({ delivered, count: ids.size }, up.describe()).toEqual({ delivered: true, count: COUNT });

    const down = await up.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    const ended = await up.process!.exited;
    expect(ended.code, up.describe()).toBe(0);
    // Each replica's own summary at its stop: both consumed part of the readings.
    const consumed = (name: string) => Number(new RegExp(`^${name}\\s+\\| deliver: (\\d+) records in`, 'm').exec(ended.stdout)?.[1] ?? 0);
    const [c1, c2] = [consumed('deliver#1'), consumed('deliver#2')];
    console.log(`[up-supervision] deliver#1 consumed ${c1}, deliver#2 ${c2} of ${COUNT}`);
    expect({ both: c1 > 0 && c2 > 0, total: c1 + c2 >= COUNT }, up.describe()).toEqual({ both: true, total: true });
    expect(up.livePids()).toEqual([]);
  }, 600_000);
});

describe('vision-flow up gives up on a node that keeps crashing', () => {
  const up = new UpRun('t-up-giveup');
  beforeAll(() => up.setUp());
  afterAll(() => up.tearDown());

  it('restarts it with growing backoff, gives up after --max-restarts, and with stop-all stops every node and exits 1', async () => {
    // ingest fails at every start: its image folder does not exist (exit code 2).
    up.start([IMAGE_PIPELINE, '--images', join(up.work, 'no-such-folder'), '--max-restarts', '2', '--backoff', '200ms', '--on-give-up', 'stop-all', '--stop-timeout', '60s']);
    const r = await up.process!.exited;
    const sup = r.stdout.split('\n').filter((l) => l.startsWith('up ') && l.includes('ingest#1'));
    expect(sup.filter((l) => / crashed \(exit code 2\)/.test(l)), up.describe()).toHaveLength(3);
    expect(sup.filter((l) => /restarting in/.test(l)).map((l) => /restarting in (\S+)/.exec(l)![1])).toEqual(['0.2s', '0.4s']);
    expect(sup.some((l) => /ingest#1 gave up: 3 crashes within 1m 00s; stopping every node/.test(l)), up.describe()).toBe(true);
    expect(r.stdout).toMatch(/^ingest#1\s+\| vision-flow: image folder .*no-such-folder does not exist/m);
    expect({ code: r.code, summary: r.stderr.trim().split('\n').slice(-2) }).toEqual({ code: 1, summary: ['up: image-pipeline stopped (gave up on ingest#1)', 'up: gave up on ingest#1 (see the crash lines above)'] });
    for (const node of ['objects#1', 'faces#1', 'aggregate#1', 'deliver#1']) expect(r.stdout).toMatch(new RegExp(`^up\\s+\\| ${node} stopped`, 'm'));
    expect(up.livePids()).toEqual([]);
    const ps = await up.cli(['ps']);
    expect(ps.code).toBe(2);
  }, 600_000);
});

describe('vision-flow up, ps and down refuse bad input naming the fix', () => {
  interface Case {
    readonly name: string;
    readonly args: string[];
    readonly error: RegExp;
  }
  it.each<Case>([
    { name: 'up without brokers or registry', args: ['up', IMAGE_PIPELINE], error: /up runs each node as its own process and they talk through Kafka: pass --brokers host:port \(env VF_BROKERS\) and --registry <url> \(env VF_REGISTRY\); `bash scripts\/stack.sh start`/ },
    { name: 'up --replicas of a source node', args: ['up', IMAGE_PIPELINE, '--brokers', '127.0.0.1:1', '--registry', 'http://127.0.0.1:1', '--replicas', 'ingest=2'], error: /ingest is a source node/ },
    { name: 'up --max-restarts that is no number', args: ['up', IMAGE_PIPELINE, '--brokers', '127.0.0.1:1', '--registry', 'http://127.0.0.1:1', '--max-restarts', 'many'], error: /--max-restarts many: give a whole number/ },
    { name: 'ps with nothing up', args: ['ps'], error: /ps: nothing is up here \(no state file in .*\.vision-flow\/up\); start a topology with `vision-flow up <topology>`/ },
    { name: 'ps of a topology that is not up', args: ['ps', 'image-pipeline'], error: /ps: image-pipeline is not up here .*start it with `vision-flow up <topology>`/ },
    { name: 'down with nothing up', args: ['down'], error: /down: nothing is up here/ },
  ])('$name', async ({ args, error }) => {
    const r = await runCli(args, { cwd: fileURLToPath(new URL('../fixtures/', import.meta.url)), timeoutMs: 120_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(error) });
  });
});
