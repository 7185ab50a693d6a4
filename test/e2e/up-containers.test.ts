import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { IMAGE_PIPELINE, REPO, runCli } from '../helpers/cli.js';
import { expectedIds, pollUntil } from '../helpers/pipeline-processes.js';
import { UpRun } from '../helpers/up-run.js';

// Issue 13, each node its own container: `vision-flow build` makes the image pipeline's image
// (FROM the local base image of scripts/base-image.sh: no registry is reachable here), then
// `vision-flow up --containers` runs the five nodes as five containers on the real broker over 400
// submitted images. The objects container's process is SIGKILLed through the engine mid-run; the
// supervisor sees the crash and starts a new container, and every image still gets its complete
// result (deliver writes them to its stdout, which up prints prefixed). `down` stops everything and
// no container of the run is left.
//
// It skips only where neither podman nor docker can run a container (say so below).

const REPEAT = 10;
const exec = promisify(execFile);

/** The engine the CLI will pick (podman, then docker with a daemon), or why there is none. */
function availableEngine(): { engine?: 'podman' | 'docker'; why: string } {
  const tries: Array<['podman' | 'docker', string[]]> = [
    ['podman', ['--cgroup-manager', 'cgroupfs', 'version', '--format', '{{.Client.Version}}']],
    ['docker', ['version', '--format', '{{.Server.Version}}']],
  ];
  const why: string[] = [];
  for (const [engine, args] of tries) {
    try {
      execFileSync(engine, args, { stdio: 'pipe' });
      return { engine, why: '' };
    } catch (e) {
      why.push(`${engine}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { why: why.join('; ') };
}

const { engine, why } = availableEngine();
if (!engine) console.warn(`[up-containers] SKIPPED: neither podman nor docker can run a container here (${why})`);
const engineArgs = engine === 'podman' ? ['--cgroup-manager', 'cgroupfs'] : [];

interface Result {
  readonly id: string;
  readonly complete: boolean;
}

describe.skipIf(!engine)('vision-flow up --containers: one container per node, restart after SIGKILL, down', () => {
  const up = new UpRun('t-upc');
  let image = '';
  const containers = async () =>
    (await exec(engine!, [...engineArgs, 'ps', '--all', '--format', '{{.Names}}'])).stdout.split('\n').filter((n) => n.startsWith(`vf-${up.namespace.name}-`));

  beforeAll(async () => {
    await up.setUp();
    // The base image is made once per machine and cached (scripts/test.sh runs this too).
    const base = (await exec('bash', [`${REPO}/scripts/base-image.sh`], { maxBuffer: 1 << 20 })).stdout.trim();
    const built = await runCli(['build', IMAGE_PIPELINE, '--base', base, '--engine', engine!], { timeoutMs: 45 * 60_000 });
    expect(built.code, `vision-flow build failed:\n${built.stderr.slice(-4000)}`).toBe(0);
    image = built.stdout.trim();
    console.log(`[up-containers] ${built.stderr.trim().split('\n').at(-1)}`);
  }, 50 * 60_000);

  afterAll(async () => {
    await up.tearDown();
    const left = engine ? await containers().catch(() => []) : [];
    if (left.length > 0) await exec(engine!, [...engineArgs, 'rm', '--force', ...left]).catch(() => undefined);
  }, 180_000);

  it("has the operators' JPEG decoder addon built in, loadable with the runtime stage's libraries (libturbojpeg)", async () => {
    const runFlags = engine === 'podman' ? ['--runtime', 'runc', '--network', 'host', '--ulimit', 'nofile=1024:4096', '--ulimit', 'nproc=1024:4096'] : [];
    const addon = '/app/node_modules/@vision-flow/operators/native/build/Release/jpeg_decode.node';
    const loaded = await exec(engine!, [...engineArgs, 'run', '--rm', ...runFlags, '--entrypoint', 'node', image, '-e', `console.log(typeof require(${JSON.stringify(addon)}).decodeRgb)`]);
    expect(loaded.stdout.trim()).toBe('function');
  }, 120_000);

  it('runs each node in its own container, restarts the SIGKILLed one, delivers every image, and down leaves no container', async () => {
    expect(image).toBe('localhost/vision-flow-image-pipeline:latest');
    const expected = await expectedIds(SHARED_IMAGES, REPEAT);
    up.start([IMAGE_PIPELINE, '--containers', '--images', SHARED_IMAGES, '--set', `repeat=${REPEAT}`, '--set', 'timeout=600s']);
    const objectsWritten = () => up.namespace.view.written('vision.objects');

    const working = await pollUntil(async () => (await objectsWritten()) >= 20, 300_000, 300);
    expect(working, `objects wrote no detections\n${up.describe()}`).toBe(true);
    const nodes = await up.ps();
    // ingest (a bounded source) may have finished already; its state then lists no container.
    const withContainer = nodes.filter((n) => n.node !== 'ingest' || n.container !== undefined);
    expect(withContainer.map((n) => [n.node, n.container]).sort()).toEqual(
      ['aggregate', 'deliver', 'faces', 'ingest', 'objects'].filter((n) => withContainer.some((w) => w.node === n)).map((n) => [n, `vf-${up.namespace.name}-image-pipeline-${n}-1`]),
    );
    expect(withContainer.length, up.describe()).toBeGreaterThanOrEqual(4);
    const running = await containers();
    // ingest may end between the two reads (its bounded source drains); the other four run until down.
    for (const n of nodes.filter((n) => n.status === 'running' && n.node !== 'ingest')) expect(running).toContain(n.container);
    const before = nodes.find((n) => n.node === 'objects')!;
    expect(before, up.describe()).toMatchObject({ status: 'running', restarts: 0 });

    const writtenAtKill = await objectsWritten();
    await exec(engine!, [...engineArgs, 'kill', '--signal', 'KILL', before.container!]);
    console.log(`[up-containers] SIGKILL ${before.container} at ${writtenAtKill}/${expected.length} detections`);
    expect(writtenAtKill, 'the kill came after objects had finished: not mid-run').toBeLessThan(expected.length);

    await up.waitForLog('the crash line', (l) => /^up\s+\| objects#1 crashed/.test(l));
    await up.waitForLog('the restart line', (l) => /^up\s+\| objects#1 started( \(pid \d+\))?, restart 1$/.test(l), 180_000);
    const after = (await up.ps()).find((n) => n.node === 'objects')!;
    expect(after, up.describe()).toMatchObject({ status: 'running', restarts: 1, container: before.container });
    expect(after.pid).not.toBe(before.pid);

    // deliver writes each result as a JSON line on its stdout; up prints it as `deliver#1 | {...}`.
    const latest = new Map<string, Result>();
    const allIn = await pollUntil(() => {
      for (const m of (up.process!.stdout).matchAll(/^deliver#1\s+\| (\{.*\})$/gm)) {
        const r = JSON.parse(m[1]!) as Result;
        latest.set(r.id, r);
      }
      return expected.every((id) => latest.get(id)?.complete === true);
    }, 900_000, 1_000);
    const missing = expected.filter((id) => !latest.has(id));
    const partial = expected.filter((id) => latest.has(id) && !latest.get(id)!.complete);
    expect({ allIn, missing: missing.slice(0, 10), partial: partial.slice(0, 10) }, up.describe()).toEqual({ allIn: true, missing: [], partial: [] });
    expect([...latest.keys()].filter((id) => !expected.includes(id))).toEqual([]);

    const down = await up.cli(['down', 'image-pipeline']);
    expect(down.code, down.stderr).toBe(0);
    const ended = await up.process!.exited;
    expect(ended.code, up.describe()).toBe(0);
    for (const node of ['objects#1', 'faces#1', 'aggregate#1', 'deliver#1']) expect(ended.stdout).toMatch(new RegExp(`^up\\s+\\| ${node} stopped \\(exit code 0\\)$`, 'm'));
    expect(await containers()).toEqual([]);
    expect(up.livePids()).toEqual([]);
  }, 1_500_000);
});
