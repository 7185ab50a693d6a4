import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { IMAGE_PIPELINE, jsonLines } from '../helpers/cli.js';
import { expectedIds, pollUntil } from '../helpers/pipeline-processes.js';
import { UpRun } from '../helpers/up-run.js';
import { NODE_RUNTIME_FLAGS } from '../../packages/cli/src/node-runtime-flags.js';

// Issue 13, `vision-flow up` with plain processes: the image pipeline as five supervised OS
// processes on the real broker over 400 submitted images (the 40 samples, repeat=10). The objects
// process is SIGKILLed mid-run, from outside, as the OOM killer would; the supervisor says it
// crashed, restarts it (ps: restarts 1, a new pid), and every image still gets its complete
// result; the restarted process serves /ready on the replica's HTTP port. `down` then stops
// everything and no node process is left.
//
// The join timeout is far beyond the run (600 s), so a partial result would mean a lost part, not
// a slow restart.

const REPEAT = 10;

interface Result {
  readonly id: string;
  readonly complete: boolean;
}

describe('vision-flow up (processes): supervised restart after SIGKILL, ps, down', () => {
  const up = new UpRun('t-up');
  let out: string;
  beforeAll(async () => {
    await up.setUp();
    out = join(up.work, 'results.jsonl');
  });
  afterAll(() => up.tearDown());

  it('restarts a SIGKILLed node, delivers every image, and down leaves no process', async () => {
    const expected = await expectedIds(SHARED_IMAGES, REPEAT);
    up.start([IMAGE_PIPELINE, '--images', SHARED_IMAGES, '--set', `repeat=${REPEAT}`, '--set', 'timeout=600s', '--out', out]);
    const objectsWritten = () => up.namespace.view.written('vision.objects');

    // Mid-run: objects has detected some images, far from all.
    const working = await pollUntil(async () => (await objectsWritten()) >= 20, 240_000, 300);
    expect(working, `objects wrote no detections\n${up.describe()}`).toBe(true);
    const before = (await up.ps()).find((n) => n.node === 'objects')!;
    expect(before, up.describe()).toMatchObject({ status: 'running', restarts: 0 });
    const writtenAtKill = await objectsWritten();
    process.kill(before.pid!, 'SIGKILL');
    console.log(`[up-processes] SIGKILL objects#1 (pid ${before.pid}) at ${writtenAtKill}/${expected.length} detections`);
    expect(writtenAtKill, 'the kill came after objects had finished: not mid-run').toBeLessThan(expected.length);

    // The supervisor's own words, then the restarted process in ps.
    await up.waitForLog('the crash line', (l) => /^up\s+\| objects#1 crashed \(signal SIGKILL\)/.test(l));
    await up.waitForLog('the restart line', (l) => /^up\s+\| objects#1 started \(pid \d+\), restart 1$/.test(l));
    const after = (await up.ps()).find((n) => n.node === 'objects')!;
    expect(after, up.describe()).toMatchObject({ status: 'running', restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    // A node process starts with the CLI's V8 flags (restarted ones too).
    const argv = readFileSync(`/proc/${after.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of NODE_RUNTIME_FLAGS) expect(argv.slice(0, argv.indexOf('run')), argv.join(' ')).toContain(flag);
    // The restarted process serves the node's HTTP endpoints on the replica's port (VF_HTTP_PORT), ready once it has its partitions back.
    const ready = await pollUntil(async () => (await fetch(`http://127.0.0.1:${after.httpPort}/ready`).catch(() => undefined))?.status === 200, 180_000, 500);
    expect(ready, `objects' /ready on port ${after.httpPort} never answered 200\n${up.describe()}`).toBe(true);
    expect(after.httpPort).toBe(before.httpPort);
    const table = await up.cli(['ps', 'image-pipeline']);
    const row = table.stdout.split('\n').find((l) => l.startsWith('objects '))!.trim().split(/\s+/);
    expect({ node: row[0], replica: row[1], pid: row[2], status: row[3], restarts: row[4] }).toEqual({ node: 'objects', replica: '1', pid: String(after.pid), status: 'running', restarts: '1' });

    // Every image gets its result; the last result of each id is complete.
    const latest = new Map<string, Result>();
    const allIn = await pollUntil(async () => {
      const text = await readFile(out, 'utf8').catch(() => '');
      for (const r of jsonLines<Result>(text)) latest.set(r.id, r);
      return expected.every((id) => latest.get(id)?.complete === true);
    }, 600_000, 1_000);
    const missing = expected.filter((id) => !latest.has(id));
    const partial = expected.filter((id) => latest.has(id) && !latest.get(id)!.complete);
    expect({ allIn, missing: missing.slice(0, 10), partial: partial.slice(0, 10) }, up.describe()).toEqual({ allIn: true, missing: [], partial: [] });
    expect([...latest.keys()].filter((id) => !expected.includes(id))).toEqual([]);
    // ingest ran once: its bounded source drained, it exited 0 and was not restarted.
    expect((await up.ps()).find((n) => n.node === 'ingest'), up.describe()).toMatchObject({ status: 'done', restarts: 0 });

    // down: everything stops gracefully, up ends with 0, and no node process is left.
    const started = up.startedPids();
    expect(started.map((s) => s.name).sort()).toEqual(['aggregate#1', 'deliver#1', 'faces#1', 'ingest#1', 'objects#1', 'objects#1']);
    const down = await up.cli(['down', 'image-pipeline']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/image-pipeline is down/);
    const ended = await up.process!.exited;
    expect(ended.code, up.describe()).toBe(0);
    for (const node of ['objects#1', 'faces#1', 'aggregate#1', 'deliver#1']) expect(ended.stdout).toMatch(new RegExp(`^up\\s+\\| ${node} stopped \\(exit code 0\\)$`, 'm'));
    expect(up.livePids()).toEqual([]);
    const ps = await up.cli(['ps']);
    expect({ code: ps.code, stderr: ps.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/nothing is up here/) });
  }, 900_000);
});
