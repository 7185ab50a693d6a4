import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import {
  PIPELINE,
  PipelineNode,
  checkResults,
  expectedIds,
  pendingJoinKeys,
  seededRandom,
  testSeed,
  type PipelineNodeName,
  type TopicFollower,
} from '../helpers/pipeline-processes.js';
import { PipelineRun } from '../helpers/pipeline-run.js';
import { traceKeys } from '../helpers/trace-keys.js';

// Issue 5, crash recovery: the image pipeline runs as one OS process per node on the real broker
// over 320 submitted images (the 40 sample images, repeat=8). The objects, faces and aggregate
// nodes are each SIGKILLed 2-3 times while they work (no drain, no commit, no leave-group) and
// restarted at once with the same command. (A planned kill is skipped when the node's output was
// already complete at its previous kill: a restarted node can clear its backlog in one burst.) At the end every submitted id has exactly one result
// after dedup by key, none is missing, none is partial, and every group has consumed everything.
//
// The kill moments are drawn from a seed, printed with the results: `VF_CRASH_SEED=<seed>` replays
// the same plan. A moment is "when the node's output topic has N records and the current process
// has written some of them", so a kill hits a process that has joined its group and worked.
//
// The join timeout is set far beyond the run (600 s): a SIGKILLed member keeps its partitions until
// its session times out (45 s), so a detector can be silent for a while, and a partial result must
// then mean a lost part, not a slow one.

const REPEAT = 8;
const SEED = testSeed('VF_CRASH_SEED');
/** Until every id has a result and the pipeline is quiet; generous: each kill stalls a node ~45 s. */
const DEADLINE_MS = 330_000;

type Victim = Extract<PipelineNodeName, 'objects' | 'faces' | 'aggregate'>;
const VICTIMS: readonly Victim[] = ['objects', 'faces', 'aggregate'];

interface KillPlan {
  readonly node: Victim;
  /** Kill when the node's output topic has at least this many records... */
  readonly atOutputs: number[];
  /** ...and the current process has written at least this many of them. */
  readonly minOwnOutputs: number;
}

function killPlans(seed: number, expected: number): KillPlan[] {
  const rand = seededRandom(seed);
  return VICTIMS.map((node) => {
    const kills = 2 + (rand() < 0.5 ? 1 : 0);
    const atOutputs = Array.from({ length: kills }, () => Math.round((0.05 + rand() * 0.85) * expected)).sort((a, b) => a - b);
    return { node, atOutputs, minOwnOutputs: 1 + Math.floor(rand() * 8) };
  });
}

describe('crash recovery of the image pipeline (one process per node, SIGKILL, real broker)', () => {
  // A 10 s session timeout (instead of 45 s) moves a killed node's partitions to its restarted
  // process sooner, so the kills of a run add less waiting.
  const run = new PipelineRun('t-crash', ['--set', 'timeout=600s', '--session-timeout', '10s']);
  const { name: ns, brokers, registry } = run.namespace;
  const nodes = new Map<PipelineNodeName, PipelineNode>();
  beforeAll(() => run.setUp());
  afterAll(() => run.tearDown());

  it('every submitted id has exactly one result after dedup by key, none missing, after SIGKILLs of objects, faces and aggregate', async () => {
    const ids = await expectedIds(SHARED_IMAGES, REPEAT);
    expect(ids.length).toBeGreaterThanOrEqual(300);
    const plans = killPlans(SEED, ids.length);
    console.log(`[crash] seed ${SEED} (replay with VF_CRASH_SEED=${SEED}); namespace ${ns}; ${ids.length} images; kill plan: ${plans.map((p) => `${p.node} at outputs ${p.atOutputs.join('/')} (>= ${p.minOwnOutputs} own)`).join('; ')}`);

    const { view, results: out } = run;
    for (const name of ['objects', 'faces', 'aggregate', 'deliver'] as const) nodes.set(name, run.start(name));
    const started = Date.now();
    const ingest = run.start('ingest', 'ingest', ['--images', SHARED_IMAGES, '--set', `repeat=${REPEAT}`]);
    nodes.set('ingest', ingest);
    const ingestDone = ingest.current!.exited;

    const diagnostics = () => [...nodes.values()].map((n) => n.describe()).join('\n');
    const t = () => ((Date.now() - started) / 1000).toFixed(1);
    const killLog: string[] = [];
    const next = new Map<Victim, number>(VICTIMS.map((v) => [v, 0]));
    /** Planned kills skipped because the node had finished all its work before them. */
    const unreachable = new Map<Victim, number>();
    /** Records in the node's output topic when its current process started. */
    const outputsAtStart = new Map<Victim, number>(VICTIMS.map((v) => [v, 0]));
    const seen = new Set<string>();
    let follower: TopicFollower | undefined;
    let quietChecks = 0;
    let lastLag: Record<string, number> = {};
    let pending: string[] = [];
    let allSeenAt: string | undefined;

    try {
      for (;;) {
        if (Date.now() - started > DEADLINE_MS) break;
        // A node that exits by itself (not killed by us) has failed: stop at once with its output.
        for (const n of nodes.values()) {
          const c = n.current!.child;
          if (n.name !== 'ingest' && (c.exitCode !== null || (c.signalCode !== null && c.signalCode !== 'SIGKILL'))) {
            throw new Error(`${n.name} exited by itself (code ${c.exitCode}, signal ${c.signalCode})\n${diagnostics()}`);
          }
        }
        const ing = ingest.current!.child;
        if (ing.exitCode !== null && ing.exitCode !== 0) throw new Error(`ingest failed with exit ${ing.exitCode}\n${ingest.describe()}`);

        for (const plan of plans) {
          const i = next.get(plan.node)!;
          if (i >= plan.atOutputs.length) continue;
          const written = await view.written(PIPELINE.nodes[plan.node].output);
          if (written >= plan.atOutputs[i]! && written - outputsAtStart.get(plan.node)! >= plan.minOwnOutputs) {
            const node = nodes.get(plan.node)!;
            await node.crashAndRestart();
            outputsAtStart.set(plan.node, await view.written(PIPELINE.nodes[plan.node].output));
            next.set(plan.node, i + 1);
            killLog.push(`${t()}s ${plan.node} #${i + 1} at ${written} outputs`);
            console.log(`[crash] ${t()}s SIGKILL ${plan.node} (kill ${i + 1}/${plan.atOutputs.length}) with ${written} records in ${PIPELINE.nodes[plan.node].output}; restarted`);
            // A node can clear its whole backlog in one burst between two looks (the aggregate after a
            // restart, once the detectors are done): its later kills could no longer hit it at work.
            if (written >= ids.length && i + 1 < plan.atOutputs.length) {
              unreachable.set(plan.node, plan.atOutputs.length - (i + 1));
              next.set(plan.node, plan.atOutputs.length);
              console.log(`[crash] ${plan.node}: its output was complete at kill ${i + 1}; the ${plan.atOutputs.length - (i + 1)} later kill(s) of the plan cannot hit it at work and are skipped`);
            }
          }
        }

        if (!follower && (await view.exists('vision.analyses'))) follower = await view.follow('vision.analyses');
        if (follower) {
          const before = follower.records.length;
          await follower.catchUp();
          for (const r of follower.records.slice(before)) seen.add(String(r.key));
          if (allSeenAt === undefined && ids.every((id) => seen.has(id))) {
            allSeenAt = t();
            console.log(`[crash] ${allSeenAt}s: every id has a result (${follower.records.length} records)`);
          }
        }
        const allKilled = plans.every((p) => next.get(p.node)! >= p.atOutputs.length);
        if (allKilled && ids.every((id) => seen.has(id))) {
          // Every id has a result: wait until every group has consumed everything and the
          // aggregate's store holds no join still waiting (it would emit again later).
          lastLag = await view.pipelineLag();
          pending = (await view.exists(PIPELINE.changelog)) ? pendingJoinKeys(await view.readAll(PIPELINE.changelog)) : [];
          quietChecks = Object.values(lastLag).every((l) => l === 0) && pending.length === 0 ? quietChecks + 1 : 0;
          if (quietChecks >= 2) break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      if (!ids.every((id) => seen.has(id))) {
        // The deadline passed: say whether the missing ids were lost (every group past their records) or stalled.
        lastLag = await view.pipelineLag();
        pending = (await view.exists(PIPELINE.changelog)) ? pendingJoinKeys(await view.readAll(PIPELINE.changelog)) : [];
        console.log(`[crash] ${t()}s: ids without a result, where their records are:\n${await traceKeys(view, ids.filter((id) => !seen.has(id)))}`);
      }
      console.log(`[crash] ${t()}s: ${seen.size}/${ids.length} ids have a result; lag ${JSON.stringify(lastLag)}; ${pending.length} joins pending in the aggregate store`);
    } finally {
      await follower?.close();
    }
    const elapsedS = t();

    // Graceful stop of what runs now (drain + commit): each must exit cleanly after all the kills.
    const stopped = await Promise.all((['objects', 'faces', 'aggregate', 'deliver'] as const).map(async (name) => [name, await nodes.get(name)!.stop()] as const));
    const ingestResult = await ingestDone;
    expect(ingestResult.code, ingest.describe()).toBe(0);

    // The output topic, read in full from the test process, deduplicated by key.
    const records = await view.readAll('vision.analyses');
    const check = checkResults(records, ids);
    const delivered = jsonLines<{ id: string }>(await readFile(out, 'utf8').catch(() => ''));
    const deliveredDistinct = new Set(delivered.map((d) => d.id)).size;
    const kills = VICTIMS.map((v) => `${v} x${nodes.get(v)!.kills.length}`).join(', ');
    console.log(
      `[crash] seed ${SEED}: ${ids.length} submitted, ${check.total} results in ${ns}.vision.analyses, ${check.distinct} distinct ids, ` +
        `${check.duplicates} duplicates delivered before dedup (keys: ${[...check.duplicatedKeys].slice(0, 10).map(([k, n]) => `${k} x${n}`).join(', ')}${check.duplicatedKeys.size > 10 ? ', …' : ''}); ` +
        `deliver wrote ${delivered.length} lines (${delivered.length - deliveredDistinct} duplicates); reasons ${JSON.stringify(check.byReason)}; ` +
        `kills: ${kills} [${killLog.join('; ')}]; every id had a result at ${allSeenAt ?? '-'} s, quiet at ${elapsedS} s`,
    );

    const context = `seed ${SEED}\n${diagnostics()}`;
    for (const [name, r] of stopped) expect({ node: name, code: r?.code }, context).toEqual({ node: name, code: 0 });
    for (const v of VICTIMS) {
      const planned = plans.find((p) => p.node === v)!.atOutputs.length;
      expect(nodes.get(v)!.kills.length + (unreachable.get(v) ?? 0), `${v} kills`).toBe(planned);
      expect(nodes.get(v)!.kills.length, `${v} killed at work`).toBeGreaterThanOrEqual(1);
    }
    expect(check.missing, `ids without any result (${check.missing.length}); ${context}`).toEqual([]);
    expect(check.unexpected, 'results for ids never submitted').toEqual([]);
    expect(check.mismatched, 'results whose value id differs from the key').toEqual([]);
    expect(check.distinct).toBe(ids.length);
    // With a 600 s join timeout nothing should be partial: a partial result is a lost detector output
    // or a duplicate that replaced a complete result with less.
    expect(check.degraded, 'ids whose complete result was followed by a partial duplicate').toEqual([]);
    expect(check.finalPartial, 'ids whose final result is partial').toEqual([]);
    expect(pending, 'joins still pending in the aggregate store after every id had a result (they will emit duplicates)').toEqual([]);
    expect(lastLag, 'consumer lag per node at the end').toEqual({ objects: 0, faces: 0, aggregate: 0, deliver: 0 });
    // deliver (never killed) wrote each record of the output topic once.
    expect(deliveredDistinct).toBe(ids.length);
    expect(delivered.length).toBe(check.total);

    // And the same through the CLI a user would run.
    const tail = await runCli(['tail', 'vision.analyses', '--brokers', brokers, '--registry', registry, '--namespace', ns, '--from-beginning', '--idle-exit', '5000'], { timeoutMs: 90_000 });
    expect(tail.code, tail.stderr).toBe(0);
    const tailed = jsonLines<{ key: string }>(tail.stdout);
    expect(tailed.length).toBe(check.total);
    expect(new Set(tailed.map((r) => r.key)).size).toBe(ids.length);
  }, 420_000);
});
