import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { kafkaBrokers } from '../helpers/kafka-env.js';
import { checkResults, expectedIds, pollUntil, seededRandom, testSeed, type TopicFollower } from '../helpers/pipeline-processes.js';
import { stackScript } from '../helpers/kafka-tool.js';
import { PipelineRun } from '../helpers/pipeline-run.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';

// Issue 5, broker restart: the image pipeline runs as one process per node; mid-run the Kafka broker
// is stopped (`scripts/stack.sh stop kafka`: the registry keeps running), stays down a few seconds
// and is started again on the same data. No node is restarted by the test: each must ride out the
// outage (polls, sends and commits fail and are retried) and resume by itself, and nothing is lost.
//
// This stops the broker of the stack that scripts/stack.sh manages with this environment
// (VF_STACK_DIR, VF_KAFKA_PORT…), so it runs only when that stack is the one VF_BROKERS points at.
// The outage length is drawn from a seed printed with the results (`VF_BROKER_RESTART_SEED`).

const brokers = kafkaBrokers();
const REPEAT = 8;
const SEED = testSeed('VF_BROKER_RESTART_SEED');
const DEADLINE_MS = 240_000;

/** `kafka-consumer-groups --describe --all-groups`, the lines of this run's groups. */
async function describeGroups(ns: string): Promise<string> {
  const r = await stackScript(['kafka-tool', 'consumer-groups', '--bootstrap-server', brokers, '--describe', '--all-groups'], 120_000);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes(ns) || /^GROUP\s/.test(l));
  return `kafka-consumer-groups --describe (exit ${r.code}):\n${[...new Set(lines)].join('\n')}`;
}

/** Whether scripts/stack.sh (with this environment) manages a healthy broker at VF_BROKERS. */
function ownStack(): boolean {
  const env = spawnSync('bash', [join(REPO, 'scripts', 'stack.sh'), 'env'], { cwd: REPO, env: process.env, encoding: 'utf8' });
  if (env.status !== 0 || !env.stdout.includes(`VF_BROKERS=${brokers}\n`)) return false;
  return spawnSync('bash', [join(REPO, 'scripts', 'stack.sh'), 'status', 'kafka'], { cwd: REPO, env: process.env, encoding: 'utf8', timeout: 60_000 }).status === 0;
}

describe.runIf(ownStack())('the image pipeline across a broker restart (one process per node)', () => {
  const run = new PipelineRun('t-brk', ['--set', 'timeout=600s']);
  const ns = run.namespace.name;
  beforeAll(() => run.setUp());

  afterAll(async () => {
    // Whatever happened, leave the broker running for the tests after this one.
    await stackScript(['start', 'kafka']);
    await run.tearDown();
  });

  it('resumes by itself after the broker comes back, and no id is missing', async () => {
    const ids = await expectedIds(SHARED_IMAGES, REPEAT);
    const rand = seededRandom(SEED);
    const stopAt = Math.round((0.15 + rand() * 0.35) * ids.length); // results in vision.analyses when the broker stops
    const downMs = 3_000 + Math.floor(rand() * 12_000); // under the 45 s session timeout of the groups
    console.log(`[broker-restart] seed ${SEED} (replay with VF_BROKER_RESTART_SEED=${SEED}); namespace ${ns}; broker stops at ${stopAt} results, down ${downMs} ms`);

    const view = run.view;
    for (const name of ['objects', 'faces', 'aggregate', 'deliver'] as const) run.start(name);
    const started = Date.now();
    const ingest = run.start('ingest', 'ingest', ['--images', SHARED_IMAGES, '--set', `repeat=${REPEAT}`]);
    const t = () => ((Date.now() - started) / 1000).toFixed(1);
    const diagnostics = () => run.diagnostics(3000);
    const failIfExited = () => run.failIfExited();

    // 1. Run until `stopAt` results, with ingest done (its source is not what this test is about).
    const reached = await pollUntil(async () => {
      failIfExited();
      return ingest.current!.child.exitCode === 0 && (await view.written('vision.analyses')) >= stopAt;
    }, 120_000, 300);
    expect(reached, `no ${stopAt} results within 120 s\n${diagnostics()}`).toBe(true);

    // 2. The broker goes away, and comes back on the same data.
    const before = await view.written('vision.analyses');
    const stop = await stackScript(['stop', 'kafka']);
    expect(stop.code, stop.stderr).toBe(0);
    const stoppedAt = t();
    console.log(`[broker-restart] ${stoppedAt}s: broker stopped with ${before} results written`);
    await new Promise((r) => setTimeout(r, downMs));
    failIfExited();
    // `start` waits up to 90 s for a health check (a CLI tool listing topics) that, on two busy
    // cores, may need longer; it is idempotent, so a second call waits for the same broker again.
    let up = await stackScript(['start', 'kafka']);
    if (up.code !== 0) {
      console.log(`[broker-restart] ${t()}s: stack.sh start kafka gave up (${up.stderr.trim().split('\n').at(-1)}); waiting again`);
      up = await stackScript(['start', 'kafka']);
    }
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    const upAt = t();
    console.log(`[broker-restart] ${upAt}s: broker up again`);

    // 3. The pipeline finishes by itself: every id gets a result, every group consumes everything.
    const seen = new Set<string>();
    let follower: TopicFollower | undefined;
    let lag: Record<string, number> = {};
    let quiet = 0;
    let allSeenAt: string | undefined;
    let lastError = '';
    try {
      const done = await pollUntil(async () => {
        failIfExited();
        try {
          follower ??= await view.follow('vision.analyses');
          const n = follower.records.length;
          await follower.catchUp(20_000);
          for (const r of follower.records.slice(n)) seen.add(String(r.key));
          if (!ids.every((id) => seen.has(id))) return false;
          allSeenAt ??= t();
          lag = await view.pipelineLag();
        } catch (e) {
          lastError = String(e); // the test's own clients reconnect too
          return false;
        }
        quiet = Object.values(lag).every((l) => l === 0) ? quiet + 1 : 0;
        return quiet >= 2;
      }, Math.max(30_000, DEADLINE_MS - (Date.now() - started)), 500);
      // At a stall, the broker's view of the groups (members, committed offsets, lag) says which node stopped.
      const groups = done ? '' : await describeGroups(ns);
      expect(done, `not finished: ${seen.size}/${ids.length} ids have a result, lag ${JSON.stringify(lag)}, last error ${lastError}\n${groups}\n${diagnostics()}`).toBe(true);
    } finally {
      await follower?.close();
    }
    const quietAt = t();

    await stopAndCheckExit(run.processes((n) => n.name === 'ingest'));
    expect((await ingest.current!.exited).code).toBe(0);

    const check = checkResults(await view.readAll('vision.analyses'), ids);
    console.log(
      `[broker-restart] seed ${SEED}: ${ids.length} submitted, ${check.total} results, ${check.distinct} distinct, ${check.duplicates} duplicates before dedup; ` +
        `reasons ${JSON.stringify(check.byReason)}; broker down ${stoppedAt}-${upAt} s, every id had a result at ${allSeenAt} s, quiet at ${quietAt} s`,
    );
    expect(check.missing, `ids without a result; seed ${SEED}`).toEqual([]);
    expect(check.unexpected).toEqual([]);
    expect(check.distinct).toBe(ids.length);
    expect(check.finalPartial, 'partial results (a lost detector output)').toEqual([]);
    expect(await view.pipelineLag()).toEqual({ objects: 0, faces: 0, aggregate: 0, deliver: 0 });
  }, 360_000);
});
