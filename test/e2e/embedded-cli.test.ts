// The image pipeline end to end on the embedded default: the real `vision-flow` binary in its own
// process, no broker and no registry (the helper passes neither VF_BROKERS nor VF_REGISTRY, and we
// unset them explicitly), real models from ../shared/models and copies of ../shared/images.
import { spawnSync } from 'node:child_process';
import { access, copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_IMAGES, writeBadImages } from '../helpers/bad-images.js';
import { CLI_BIN, CliProcess, IMAGE_PIPELINE, REPO, jsonLines, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';

/**
 * The embedded default whatever the test runner's own environment holds: no broker, registry,
 * transport or config file in the environment, and an empty working directory, so no
 * ./vision-flow.config.json either (every path given to the CLI is absolute). Set in beforeAll.
 */
let EMBEDDED: CliOptions;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
interface Analysis {
  readonly id: string;
  readonly source: string | null;
  readonly width: number;
  readonly height: number;
  readonly objects: ReadonlyArray<{ readonly label: string; readonly score: number; readonly box: Box }>;
  readonly faces: ReadonlyArray<{ readonly score: number; readonly box: Box }>;
  readonly complete: boolean;
  readonly missing: readonly string[];
  readonly reason: string;
}

/**
 * The run's last word on stderr: `N images, R rejected, X images/s (D delivered in S s)` for a run
 * that went to the end; `N images ingested, D delivered, R rejected, X images/s in S s (stopped by
 * SIGTERM before the end)` for one a signal stopped, whose source had read more than was processed.
 */
interface Summary {
  /** Images the source read: all of them, for a run that went to the end. */
  readonly images: number;
  readonly rejected: number;
  readonly rate: number;
  readonly delivered: number;
  /** What stopped the run, e.g. "SIGTERM before the end"; null when it went to the end. */
  readonly stopped: string | null;
}
function summaryOf(stderr: string): Summary {
  const done = /^(\d+) images, (\d+) rejected, (\d+\.\d) images\/s \((\d+) delivered in \d+\.\d s\)$/m.exec(stderr);
  if (done) return { images: Number(done[1]), rejected: Number(done[2]), rate: Number(done[3]), delivered: Number(done[4]), stopped: null };
  const stopped = /^(\d+) images ingested, (\d+) delivered, (\d+) rejected, (\d+\.\d) images\/s in \d+\.\d s \(stopped by (.+)\)$/m.exec(stderr);
  if (stopped) return { images: Number(stopped[1]), delivered: Number(stopped[2]), rejected: Number(stopped[3]), rate: Number(stopped[4]), stopped: stopped[5]! };
  throw new Error(`no summary line on stderr:\n${stderr.slice(-2000)}`);
}

const temps: string[] = [];
async function tempDir(what: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `vf-e2e-${what}-`));
  temps.push(dir);
  return dir;
}

/** Copies `coco/…` and `faces/…` samples (names without .jpg) into a fresh folder. */
async function imageFolder(names: readonly string[]): Promise<string> {
  const dir = await tempDir('images');
  for (const n of names) await copyFile(join(SHARED_IMAGES, `${n}.jpg`), join(dir, `${basename(n)}.jpg`));
  return dir;
}

const idOf = (name: string): string => basename(name, extname(name));

beforeAll(async () => {
  await access(CLI_BIN).catch(() => {
    throw new Error(`${CLI_BIN} is missing: run \`bash scripts/setup.sh\` to build the CLI first`);
  });
  EMBEDDED = { env: { VF_BROKERS: undefined, VF_REGISTRY: undefined, VF_TRANSPORT: undefined, VF_CONFIG: undefined }, cwd: await tempDir('cwd') };
});

afterAll(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('vision-flow run topologies/image-pipeline.ts --images <dir>', () => {
  interface ObjectCase {
    readonly image: string;
    /** What a person sees in the picture (checked by looking at it). */
    readonly label: string;
  }
  interface FaceCase {
    readonly image: string;
    /** Faces counted by looking at the picture. */
    readonly faces: number;
    readonly tolerance: number;
  }
  const OBJECTS: ObjectCase[] = [
    { image: 'coco/000000000285', label: 'bear' }, // a brown bear's head filling the frame
    { image: 'coco/000000000724', label: 'stop sign' }, // an upside-down stop sign on a pole
    { image: 'coco/000000001584', label: 'bus' }, // a red double-decker bus
    { image: 'coco/000000001818', label: 'zebra' }, // a zebra foal feeding from its mother
  ];
  const FACES: FaceCase[] = [
    { image: 'faces/2', faces: 4, tolerance: 1 }, // four women in medical clothes
    { image: 'faces/3', faces: 5, tolerance: 1 }, // five girl scouts
    { image: 'faces/5', faces: 1, tolerance: 0 }, // one woman at a desk with a phone
    { image: 'faces/9', faces: 8, tolerance: 1 }, // eight children
  ];
  const names = [...OBJECTS, ...FACES].map((c) => c.image);
  let result: CliResult;
  let byId: Map<string, Analysis>;
  let dir: string;

  beforeAll(async () => {
    dir = await imageFolder(names);
    result = await runCli(['run', IMAGE_PIPELINE, '--images', dir], EMBEDDED);
    byId = new Map(jsonLines<Analysis>(result.stdout).map((a) => [a.id, a]));
  });

  it('exits 0', () => {
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null });
  });

  it('prints one JSON line per image, keyed by its file name', () => {
    const ids = jsonLines<Analysis>(result.stdout).map((a) => a.id);
    expect(ids.sort()).toEqual(names.map(idOf).sort());
  });

  it.each(OBJECTS)('finds the $label among the top three objects of $image', ({ image, label }) => {
    const labels = byId.get(idOf(image))!.objects.map((o) => o.label);
    expect(labels.slice(0, 3), `objects found: ${labels.join(', ')}`).toContain(label);
  });

  it.each(FACES)('finds $faces ± $tolerance faces in $image', ({ image, faces, tolerance }) => {
    const found = byId.get(idOf(image))!.faces.length;
    expect(Math.abs(found - faces), `found ${found}, counted ${faces}`).toBeLessThanOrEqual(tolerance);
  });

  it.each(FACES)('finds the people of $image as objects too', ({ image, faces }) => {
    const people = byId.get(idOf(image))!.objects.filter((o) => o.label === 'person').length;
    expect(people).toBeGreaterThanOrEqual(Math.min(faces, 3)); // people at the back of a group may be hidden
  });

  it('joins both detectors into a complete result for every image, with the source file and its size', async () => {
    for (const name of names) {
      const a = byId.get(idOf(name))!;
      const meta = await sharp(join(dir, `${basename(name)}.jpg`)).metadata();
      expect(a).toMatchObject({ complete: true, missing: [], reason: 'complete', source: join(dir, `${basename(name)}.jpg`), width: meta.width, height: meta.height });
    }
  });

  it('ends with the summary "8 images, 0 rejected, X images/s" on stderr', () => {
    const s = summaryOf(result.stderr);
    expect(s).toMatchObject({ images: 8, rejected: 0, delivered: 8, stopped: null });
    expect(s.rate).toBeGreaterThan(0);
  });

  it('writes nothing but result lines to stdout', () => {
    expect(result.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
  });
});

describe('vision-flow run over a folder with bad images', () => {
  const GOOD = ['coco/000000000724', 'faces/5'];
  let result: CliResult;
  let expected: Map<string, string>;

  beforeAll(async () => {
    const dir = await imageFolder(GOOD);
    const bad = await writeBadImages(dir);
    expected = new Map(bad.map((b) => [idOf(b.file), b.expectedCode]));
    result = await runCli(['run', IMAGE_PIPELINE, '--images', dir, '--no-progress'], EMBEDDED);
  });

  it('exits 0: bad inputs are rejected, the run goes on', () => {
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null });
  });

  it('prints a complete result for each good image and none for the bad ones', () => {
    const out = jsonLines<Analysis>(result.stdout);
    expect(out.map((a) => [a.id, a.complete]).sort()).toEqual([
      ['000000000724', true],
      ['5', true],
    ]);
    expect(out.find((a) => a.id === '000000000724')!.objects[0]!.label).toBe('stop sign');
    expect(out.find((a) => a.id === '5')!.faces).toHaveLength(1);
  });

  it('counts every file: 6 images, of which 4 rejected and 2 delivered', () => {
    expect(summaryOf(result.stderr)).toMatchObject({ images: 6, rejected: 4, delivered: 2, stopped: null });
  });

  it('lists each bad image under "rejected:" with its code, one line each', () => {
    const lines = result.stderr.split('\n');
    const start = lines.indexOf('rejected:');
    expect(start, result.stderr).toBeGreaterThan(0);
    const end = lines.findIndex((l) => l.startsWith('dead letters:'));
    const listed = lines.slice(start + 1, end);
    const parsed = listed.map((l) => /^ {2}(\S+): ([A-Z_]+) in (objects|faces): \S.*$/.exec(l));
    expect(parsed.every((m) => m !== null), listed.join('\n')).toBe(true);
    expect(new Map(parsed.map((m) => [m![1]!, m![2]!]))).toEqual(expected);
    expect(listed).toHaveLength(4);
  });

  it('dead-letters each bad image once in each detector', () => {
    expect(result.stderr).toMatch(/^dead letters: objects\.dlq \(4\), faces\.dlq \(4\)$/m);
  });
});

describe('vision-flow run refuses what it cannot run', () => {
  /** One line on stderr, nothing on stdout, exit code 2. */
  function expectUsageError(r: CliResult): string {
    expect({ code: r.code, stdout: r.stdout }, r.stderr).toEqual({ code: 2, stdout: '' });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    return lines[0]!;
  }

  it('names a topology file that does not exist and what it should export (exit 2)', async () => {
    const missing = join(await tempDir('missing'), 'no-such-topology.ts');
    const line = expectUsageError(await runCli(['run', missing, '--images', SHARED_IMAGES], EMBEDDED));
    expect(line).toBe(`vision-flow: topology file ${missing} does not exist (looked at ${missing}); pass the path of a module that does \`export default topology(...)\``);
  });

  it('names a .ts file that exports no topology and says what was expected (exit 2)', async () => {
    // Outside the repository, in a folder without package.json, as a user's own file would be.
    const file = join(await tempDir('not-a-topology'), 'not-a-topology.ts');
    await writeFile(file, 'export const answer: number = 42;\n');
    const line = expectUsageError(await runCli(['run', file, '--images', SHARED_IMAGES], EMBEDDED));
    expect(line).toBe(`vision-flow: topology file ${file} does not export a topology; expected \`export default topology('name').node(...)\``);
  });

  it('names the "images" parameter when --images is missing (exit 2)', async () => {
    const line = expectUsageError(await runCli(['run', IMAGE_PIPELINE], EMBEDDED));
    expect(line).toMatch(/^vision-flow: .*needs the parameter "images".*--set images=<value> \(or --images <dir>\)$/);
  });

  it('names the file, line and column of a syntax error in a .ts topology, and what the parser says (exit 2)', async () => {
    const file = join(await tempDir('syntax-error'), 'broken.ts');
    await writeFile(file, "import { topology } from '@vision-flow/core';\nexport default topology('broken')\n  .node('a', (n) => n.from(;\n");
    const line = expectUsageError(await runCli(['run', file, '--images', SHARED_IMAGES], EMBEDDED));
    expect(line).toBe(`vision-flow: topology file ${file} could not be loaded: syntax error at ${file}:3:28: Unexpected ";"`);
  });
});

describe('the installed vision-flow command', () => {
  it('node_modules/.bin/vision-flow --help exits 0 and prints the usage', () => {
    // The launcher npm links, run as a shell would: by its #!/usr/bin/env -S node ... line, from elsewhere.
    const r = spawnSync(join(REPO, 'node_modules/.bin/vision-flow'), ['--help'], {
      cwd: EMBEDDED.cwd,
      env: { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: process.env['HOME'] },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: r.status, signal: r.signal, error: r.error?.message }, r.stderr).toEqual({ status: 0, signal: null, error: undefined });
    expect(r.stdout).toMatch(/^Usage: vision-flow \[options\] \[command\]\n/);
    for (const command of ['run [options] <topology>', 'graph [options] <topology>', 'schemas', 'tail [options] <topic>']) expect(r.stdout).toContain(`\n  ${command} `);
  });

  it('vision-flow --version prints the version of the CLI package', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const r = spawnSync(process.execPath, [CLI_BIN, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, stdout: r.stdout }, r.stderr).toEqual({ status: 0, stdout: `${version}\n` });
  });
});

describe('vision-flow run stopped by SIGTERM', () => {
  let total: number; // --set repeat=5 over every sample image
  let cli: CliProcess;
  let result: CliResult;
  let secondsAfterSignal: number;

  beforeAll(async () => {
    total = 5 * (await readdir(SHARED_IMAGES, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.jpg')).length;
    cli = new CliProcess(['run', IMAGE_PIPELINE, '--images', SHARED_IMAGES, '--set', 'repeat=5', '--no-progress'], { ...EMBEDDED, timeoutMs: 150_000 });
    await cli.waitFor('5 results on stdout', (out) => out.split('\n').length > 5, 120_000);
    cli.kill('SIGTERM');
    const signalled = performance.now();
    result = await cli.exited;
    secondsAfterSignal = (performance.now() - signalled) / 1000;
  });

  it('exits by itself within 20 s of the signal', () => {
    const how = `exit after ${secondsAfterSignal.toFixed(1)} s, signal ${result.signal}; stderr:\n${result.stderr}`;
    expect(result.signal, how).toBeNull(); // not killed by the helper's timeout
    expect(secondsAfterSignal, how).toBeLessThan(20);
  });

  it('exits with code 0, as a run that drained its input does', () => {
    expect(result.code, result.stderr).toBe(0);
  });

  it('says it is draining in-flight records and committing', () => {
    expect(result.stderr).toContain('vision-flow: SIGTERM: draining in-flight records and committing (again to force exit)');
  });

  it('stops before the end of the input', () => {
    expect(jsonLines(result.stdout).length).toBeLessThan(total);
  });

  it('leaves no half-written line: every delivered result is printed whole, once, and counted in the summary', () => {
    const out = jsonLines<Analysis>(result.stdout);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(new Set(out.map((a) => a.id)).size).toBe(out.length);
    expect(summaryOf(result.stderr).delivered).toBe(out.length);
  });

  it('says in its summary that SIGTERM stopped it before the end, and how many images were read apart from delivered', () => {
    const s = summaryOf(result.stderr);
    expect(s.stopped).toBe('SIGTERM before the end');
    expect(s.images).toBeGreaterThanOrEqual(s.delivered);
    expect(s.images).toBeLessThanOrEqual(total);
  });

  it('delivers only complete results: a stop is not the end of the input, so no open join is flushed as partial', () => {
    const out = jsonLines<Analysis>(result.stdout);
    // Stopped mid-stream, with both detectors busy: joins were open when the signal came.
    expect(out.length).toBeGreaterThanOrEqual(5);
    const partial = out.filter((a) => !a.complete || a.reason !== 'complete').map((a) => `${a.id}: ${a.reason}, missing ${a.missing.join(',')}`);
    expect(partial, `${partial.length} of ${out.length} results partial`).toEqual([]);
  });
});

describe('vision-flow run signalled twice', () => {
  it('ends at once by the second signal itself (exit status 128 + n), saying so', async () => {
    const cli = new CliProcess(['run', IMAGE_PIPELINE, '--images', SHARED_IMAGES, '--set', 'repeat=5', '--no-progress'], { ...EMBEDDED, timeoutMs: 150_000 });
    await cli.waitFor('a first result on stdout', (out) => out.includes('\n'), 120_000);
    cli.kill('SIGTERM');
    await cli.waitFor('the first signal taken', (_, err) => err.includes('SIGTERM: draining'), 10_000);
    cli.kill('SIGTERM');
    const result = await cli.exited;
    // A helper kill after 150 s would show as SIGKILL; a drain that ended first, as code 0.
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: null, signal: 'SIGTERM' });
    expect(result.stderr).toContain('vision-flow: SIGTERM again: exiting now; records in flight are read again from the last commit');
  }, 180_000);
});

describe('vision-flow run --annotate <dir>', () => {
  const NAMES = ['coco/000000000285', 'coco/000000001584', 'faces/2'];
  let images: string;
  let annotated: string;
  let result: CliResult;

  beforeAll(async () => {
    images = await imageFolder(NAMES);
    annotated = join(await tempDir('annotated'), 'out'); // does not exist yet: the sink creates it
    result = await runCli(['run', IMAGE_PIPELINE, '--images', images, '--annotate', annotated, '--no-progress'], EMBEDDED);
  });

  it('exits 0 and still prints the results', () => {
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null });
    expect(jsonLines(result.stdout)).toHaveLength(NAMES.length);
  });

  it('writes one picture per image, named after its id', async () => {
    expect((await readdir(annotated)).sort()).toEqual(NAMES.map((n) => `${idOf(n)}.jpg`).sort());
  });

  it.each(NAMES)('writes a JPEG that sharp opens, the size of the input, for %s', async (name) => {
    const [input, output] = await Promise.all([sharp(join(images, `${basename(name)}.jpg`)).metadata(), sharp(join(annotated, `${idOf(name)}.jpg`)).metadata()]);
    expect({ format: output.format, width: output.width, height: output.height }).toEqual({ format: 'jpeg', width: input.width, height: input.height });
  });

  it.each(NAMES)('draws on the picture (boxes and labels change many pixels) for %s', async (name) => {
    const raw = (file: string) => sharp(file).removeAlpha().raw().toBuffer();
    const [a, b] = await Promise.all([raw(join(images, `${basename(name)}.jpg`)), raw(join(annotated, `${idOf(name)}.jpg`))]);
    expect(b.length).toBe(a.length);
    let changed = 0;
    for (let i = 0; i < a.length; i += 3) {
      if (Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!)) > 96) changed++;
    }
    // Re-encoding alone changes next to no pixel by more than 96 levels; a box outline and a label do.
    expect(changed / (a.length / 3)).toBeGreaterThan(0.005);
  });
});
