// examples/custom-operator/topology.ts run as a user runs it: the real `vision-flow` binary in its
// own process, embedded and on the real broker and registry, over real pictures plus bad files
// that must end in the dead-letter topic while the run goes on.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_IMAGES, textAsImage, truncatedJpeg } from '../helpers/bad-images.js';
import { jsonLines, runCli, type CliResult } from '../helpers/cli.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';

const TOPOLOGY = fileURLToPath(new URL('../../examples/custom-operator/topology.ts', import.meta.url));

interface Colours {
  readonly id: string;
  readonly brightness: number;
  readonly exposure: string;
  readonly colourfulness: number;
  readonly grayscale: boolean;
  readonly meanColour: string;
}

/** Three pictures told apart at a glance, and two files named .jpg that are not pictures. */
const GOOD = {
  '000000001425': { exposure: 'normal', grayscale: true }, // a black-and-white photo of a bun on a plate
  '000000000785': { exposure: 'bright', grayscale: false }, // a skier on white snow
  '000000002473': { exposure: 'normal', grayscale: false }, // a skier against a deep blue sky
} as const;
// Where each fails: decodeImage reads the header; a good header with cut bytes fails where the pixels are decoded.
const BAD = { text: { code: 'IMAGE_UNSUPPORTED_FORMAT', operator: 'decodeImage' }, truncated: { code: 'IMAGE_UNDECODABLE', operator: 'colourStats' } } as const;

const temps: string[] = [];
let images: string;

beforeAll(async () => {
  images = await mkdtemp(join(tmpdir(), 'vf-examples-colours-'));
  temps.push(images);
  for (const id of Object.keys(GOOD)) await copyFile(join(SHARED_IMAGES, 'coco', `${id}.jpg`), join(images, `${id}.jpg`));
  await writeFile(join(images, 'text.jpg'), textAsImage());
  await writeFile(join(images, 'truncated.jpg'), await truncatedJpeg());
});

afterAll(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('vision-flow run examples/custom-operator/topology.ts (embedded)', () => {
  let result: CliResult;

  beforeAll(async () => {
    // No broker or registry in the environment, and an empty working directory: the embedded default.
    const cwd = await mkdtemp(join(tmpdir(), 'vf-examples-cwd-'));
    temps.push(cwd);
    result = await runCli(['run', TOPOLOGY, '--images', images, '--no-progress'], { cwd });
  });

  it('exits 0: the bad files are rejected, the run goes on', () => {
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null });
  });

  it('prints one line of colour statistics per picture, as one sees them', () => {
    const out = jsonLines<Colours>(result.stdout);
    expect(out.map((c) => c.id).sort()).toEqual(Object.keys(GOOD).sort());
    for (const c of out) expect(c, c.id).toMatchObject(GOOD[c.id as keyof typeof GOOD]);
    const sky = out.find((c) => c.id === '000000002473')!;
    expect(sky.meanColour).toBe('#5c78a5'); // blue: the mean of that sky picture
  });

  it('counts 5 images, 2 rejected, and names each bad file with its code and the node', () => {
    expect(result.stderr).toMatch(/^5 images, 2 rejected, \d+\.\d images\/s \(3 delivered in \d+\.\d s\)$/m);
    for (const [id, { code }] of Object.entries(BAD)) expect(result.stderr).toMatch(new RegExp(`^  ${id}: ${code} in colours: `, 'm'));
  });

  it('dead-letters both bad files to colours.dlq', () => {
    expect(result.stderr).toMatch(/^dead letters: colours\.dlq \(2\)$/m);
  });
});

describe('vision-flow graph examples/custom-operator/topology.ts', () => {
  it('shows the custom operator by the name it gave itself', async () => {
    const r = await runCli(['graph', TOPOLOGY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}colours +images\.submitted → decodeImage → colourStats → vision\.colours$/m);
    expect(r.stdout).toMatch(/^ {2}vision\.colours +intermediate +6 partitions +vision\.ColourStats$/m);
  });
});

describe('vision-flow run examples/custom-operator/topology.ts on Kafka', () => {
  const kns = new KafkaNamespace();
  const connection = kns.cliArgs;
  let run: CliResult;
  let deadLetters: Array<{ key: string; value: { code: string; node: string; operator: string; topic: string }; headers: { [name: string]: string } }>;

  beforeAll(async () => {
    run = await runCli(['run', TOPOLOGY, ...connection, '--images', images, '--no-progress']);
    const tail = await runCli(['tail', 'colours.dlq', ...connection, '--from-beginning', '--max', '2', '--idle-exit', '30000']);
    expect(tail.code, tail.stderr).toBe(0);
    deadLetters = jsonLines(tail.stdout);
  });

  afterAll(async () => {
    await kns.drop();
  });

  it('delivers the three pictures and exits 0', () => {
    expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null });
    expect(jsonLines<Colours>(run.stdout).map((c) => c.id).sort()).toEqual(Object.keys(GOOD).sort());
  });

  it('writes each bad file to the colours.dlq topic with its code, node and operator', () => {
    const byKey = new Map(deadLetters.map((d) => [d.key, d]));
    expect([...byKey.keys()].sort()).toEqual(Object.keys(BAD).sort());
    for (const [id, { code, operator }] of Object.entries(BAD)) {
      expect(byKey.get(id)!.value, id).toMatchObject({ code, node: 'colours', operator, topic: 'images.submitted' });
      expect(byKey.get(id)!.headers['vf-error-code'], id).toBe(code);
    }
  });
});
