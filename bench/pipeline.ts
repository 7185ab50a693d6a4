// The image pipeline against the hand-written Python loop (../shared/peers/python-ort), in one run,
// on the same images: ../shared/images copied 10× (400 files) into one folder, both run as a user
// runs them, measured from outside (GNU time), alternating so both see the same machine; then one
// more run of each with the process trees' memory sampled from /proc (sampling slows a run, so the
// timed rounds go unsampled).
//   npx tsx bench/pipeline.ts                  2 rounds (peer, vision-flow, peer, vision-flow)
//   npx tsx bench/pipeline.ts --rounds 3 --copies 10 --no-raw
//
// vision-flow: `node FLAGS packages/cli/dist/bin.js run topologies/image-pipeline.ts --images DIR > out.jsonl`
// with the V8 flags its shebang line gives it (NODE_RUNTIME_FLAGS); embedded: memory transport,
// in-memory registry; timed as a whole process, start-up included, and by its own summary line.
// The peer: scripts/python-peer.sh run (its own images/s excludes Python start-up and its warm-up;
// the ratio uses that figure, the stricter one for us). Its detections per image come from the same
// steps (bench/python-peer/peer_detections.py) and are compared with ours: labels and face counts
// must be identical; boxes are compared by IoU. The raw-ORT line: each model alone, JPEG bytes →
// detections through the operators' pool with the pipeline's own decode path, combined as
// 1 / (1/r_objects + 1/r_faces) (both models on every image, same cores).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_FLAGS } from '../packages/cli/src/node-runtime-flags.js';
import { measureInferenceRate, SHARED_IMAGES, SHARED_MODELS } from './inference-rate.js';
import { compareDetections, type DetectionComparison } from './vision/compare-detections.js';
import { measureProcess, type ProcessRun } from './vision/measure-process.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PEER_SCRIPT = join(REPO, 'scripts/python-peer.sh');

interface Side {
  readonly run: ProcessRun;
  /** Images per second as the side reports it (the peer: its own timer; ours: the whole process). */
  readonly imagesPerSecond: number;
  /** Images per second by the side's own timer (ours: the CLI's summary, from the run's start to the last result). */
  readonly ownImagesPerSecond: number;
}

/** A SHARED-like folder (images/coco/*.jpg, models/) as the peer expects, with `copies` copies of every image. */
async function prepareImages(copies: number): Promise<{ shared: string; images: string; count: number }> {
  const shared = await mkdtemp(join(tmpdir(), 'vf-bench-pipeline-'));
  const images = join(shared, 'images', 'coco');
  await mkdir(images, { recursive: true });
  await symlink(SHARED_MODELS, join(shared, 'models'));
  let count = 0;
  for (const folder of (await readdir(SHARED_IMAGES)).sort()) {
    for (const file of (await readdir(join(SHARED_IMAGES, folder))).sort()) {
      const bytes = await readFile(join(SHARED_IMAGES, folder, file));
      for (let r = 0; r < copies; r++, count++) await writeFile(join(images, `r${r}-${folder}-${file}`), uniqueCopy(bytes, `vision-flow bench copy ${r}`));
    }
  }
  return { shared, images, count };
}

/**
 * A JPEG with a comment segment naming the copy, pixels unchanged: no copy is byte-identical to
 * another, so nothing keyed by content (vision-flow's decoded-frame cache) gets a hit across copies.
 */
function uniqueCopy(bytes: Buffer, comment: string): Buffer {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return bytes;
  const text = Buffer.from(comment, 'latin1');
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]);
  return Buffer.concat([header, text, bytes.subarray(2)]);
}

async function runPeer(shared: string, procs: number, sampleTree = false): Promise<Side> {
  const run = await measureProcess('bash', [PEER_SCRIPT, 'run', shared, '1', String(procs)], { sampleTree });
  const m = /(\d+) images, \d+ detections, ([\d.]+) images\/s/.exec(run.stdout);
  if (run.exitCode !== 0 || !m) throw new Error(`the Python peer failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr.slice(-3000)}`);
  return { run, imagesPerSecond: Number(m[2]), ownImagesPerSecond: Number(m[2]) };
}

async function runOurs(images: string, count: number, out: string, sampleTree = false): Promise<Side> {
  // The embedded default, as the README runs it: a shell's VF_BROKERS would send the run to Kafka instead.
  const { VF_BROKERS: _brokers, VF_REGISTRY: _registry, ...inherited } = process.env;
  const env = { ...inherited, VF_MODEL_DIR: process.env['VF_MODEL_DIR'] ?? SHARED_MODELS };
  // With the flags its shebang line gives it (npx vision-flow, scripts/demo.sh).
  const run = await measureProcess('node', [...NODE_RUNTIME_FLAGS, 'packages/cli/dist/bin.js', 'run', 'topologies/image-pipeline.ts', '--images', images], { cwd: REPO, env, stdoutFile: out, sampleTree });
  if (run.exitCode !== 0) throw new Error(`vision-flow run failed (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  // The CLI's own timer, like the peer's, leaves out the interpreter's start-up and module loading.
  const own = /\((\d+) delivered in ([\d.]+) s\)/.exec(run.stderr);
  if (!own) throw new Error(`vision-flow printed no "(N delivered in S s)" summary:\n${run.stderr.slice(-3000)}`);
  return { run, imagesPerSecond: count / run.wallSeconds, ownImagesPerSecond: Number(own[1]) / Number(own[2]) };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const f1 = (v: number): string => v.toFixed(1);
const f2 = (v: number): string => v.toFixed(2);

function sideLine(name: string, s: Side, count: number, note: string): string {
  const r = s.run;
  return `  ${name.padEnd(12)} ${f1(s.imagesPerSecond).padStart(5)} images/s ${note.padEnd(22)} wall ${f1(r.wallSeconds).padStart(5)} s  CPU ${f1(r.cpuSeconds).padStart(5)} s = ${(1000 * r.cpuSeconds / count).toFixed(0).padStart(3)} ms/image  max RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB${r.tree ? ` (process tree: RSS ${r.tree.rssMb.toFixed(0)} MB, PSS ${r.tree.pssMb.toFixed(0)} MB)` : ''}`;
}

function detectionLines(c: DetectionComparison): string[] {
  const ids = (xs: ReadonlyArray<{ id: string }>): string => [...new Set(xs.map((x) => x.id.replace(/^r\d+-/, '')))].join(', ');
  return [
    `detections vs the peer, ${c.images} images: labels (class ids per image) ${c.labelMismatches.length === 0 ? 'identical' : `DIFFER on ${c.labelMismatches.length} (${ids(c.labelMismatches)})`}; ` +
      `face counts ${c.faceCountMismatches.length === 0 ? 'identical' : `DIFFER on ${c.faceCountMismatches.length} (${ids(c.faceCountMismatches)})`}`,
    `  boxes (the peer's clipped to the image, as ours are): ${c.iou.pairs} matched pairs, IoU mean ${c.iou.mean.toFixed(4)}, 5th percentile ${c.iou.p5.toFixed(4)}, min ${c.iou.min.toFixed(4)} (${c.iou.below09} below 0.9); largest score difference ${c.maxScoreDiff.toFixed(4)}`,
  ];
}

/** Each model alone through the pool with the pipeline's decode path; both on every image. */
async function rawLimit(): Promise<{ rObjects: number; rFaces: number; limit: number }> {
  const [o] = await measureInferenceRate({ models: ['yolox-nano'], rounds: 3 });
  const [f] = await measureInferenceRate({ models: ['ultraface-rfb-320'], rounds: 3, decode: {} });
  const rObjects = o!.imagesPerSecond;
  const rFaces = f!.imagesPerSecond;
  return { rObjects, rFaces, limit: 1 / (1 / rObjects + 1 / rFaces) };
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds') ?? 2);
  const copies = Number(arg('copies') ?? 10);
  const procs = availableParallelism();
  execFileSync('bash', [PEER_SCRIPT, 'python'], { stdio: ['ignore', 'ignore', 'inherit'] }); // set the venv up first, untimed
  const { shared, images, count } = await prepareImages(copies);
  try {
    console.log(`image pipeline vs the Python peer: ${count} images (../shared/images × ${copies}), ${procs} cores, load average at start ${loadavg().map(f1).join(' ')}`);
    console.log(`  peer:        scripts/python-peer.sh run DIR 1 ${procs}   (OpenCV decode, onnxruntime, ${procs} processes × 1-thread sessions)`);
    console.log(`  vision-flow: node ${NODE_RUNTIME_FLAGS.join(' ')} packages/cli/dist/bin.js run topologies/image-pipeline.ts --images DIR/images/coco > out.jsonl`);
    const peerDets = join(shared, 'peer.jsonl');
    execFileSync('bash', [PEER_SCRIPT, 'detections', shared, peerDets], { stdio: ['ignore', 'ignore', 'inherit'] });
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const ownRatios: number[] = [];
    let last: DetectionComparison | undefined;
    for (let i = 1; i <= rounds; i++) {
      const peer = await runPeer(shared, procs);
      const out = join(shared, `ours-${i}.jsonl`);
      const ours = await runOurs(images, count, out);
      last = await compareDetections(out, peerDets);
      if (last.images !== count) throw new Error(`${out} has results for ${last.images} of ${count} images`);
      const ratio = ours.imagesPerSecond / peer.imagesPerSecond;
      ratios.push(ratio);
      cpuRatios.push(peer.run.cpuSeconds / ours.run.cpuSeconds);
      ownRatios.push(ours.ownImagesPerSecond / peer.ownImagesPerSecond);
      console.log(`round ${i}:`);
      console.log(sideLine('python peer', peer, count, `(its own timer)`));
      console.log(sideLine('vision-flow', ours, count, `(whole process)`));
      console.log(`  ratio vision-flow / peer: ${f2(ratio)}× images/s (whole process vs peer's own: ${f1(ours.imagesPerSecond)} / ${f1(peer.imagesPerSecond)}; both whole process: ${f2(peer.run.wallSeconds / ours.run.wallSeconds)}×; both own timers, start-up left out on both sides: ${f1(ours.ownImagesPerSecond)} / ${f1(peer.ownImagesPerSecond)} = ${f2(ours.ownImagesPerSecond / peer.ownImagesPerSecond)}×), ` +
        `CPU per image peer / ours ${f2(peer.run.cpuSeconds / ours.run.cpuSeconds)} (the images/s ratio when both keep every core busy), max RSS ${f2(ours.run.maxRssMb / peer.run.maxRssMb)}× its largest process`);
    }
    console.log(`ratio per round: images/s ${ratios.map(f2).join(', ')} (both own timers ${ownRatios.map(f2).join(', ')}); CPU per image (peer / ours) ${cpuRatios.map(f2).join(', ')}; load average at end ${loadavg().map(f1).join(' ')}`);
    console.log('(on a shared machine the images/s ratio follows the neighbours\' load; the CPU ratio is steadier)');
    const peerMemory = (await runPeer(shared, procs, true)).run.tree!;
    const ourMemory = (await runOurs(images, count, join(shared, 'ours-memory.jsonl'), true)).run.tree!;
    console.log(`memory (one more run of each, its process tree sampled every 100 ms): peer PSS ${peerMemory.pssMb.toFixed(0)} MB (summed RSS ${peerMemory.rssMb.toFixed(0)}), vision-flow PSS ${ourMemory.pssMb.toFixed(0)} MB (${ourMemory.rssMb.toFixed(0)}): ` +
      `${f2(ourMemory.pssMb / peerMemory.pssMb)}× the peer's by PSS (pages its forked workers share counted once; goal ≤ 2), ${f2(ourMemory.rssMb / peerMemory.rssMb)}× by summed RSS`);
    for (const l of detectionLines(last!)) console.log(l);
    if (!process.argv.includes('--no-raw')) {
      const raw = await rawLimit();
      console.log(`raw ORT (in-process, each model alone, the pipeline's decode path): r_objects ${f1(raw.rObjects)}, r_faces ${f1(raw.rFaces)} images/s → 1 / (1/r_objects + 1/r_faces) = ${f1(raw.limit)} images/s`);
    }
  } finally {
    await rm(shared, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
