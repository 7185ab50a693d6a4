import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_IMAGES } from '../helpers/bad-images.js';
import { checkResults, expectedIds, groupOf, seededRandom, testSeed, type TopicFollower } from '../helpers/pipeline-processes.js';
import { describeGroupWithKafkaTool, groupMembersWithKafkaTool } from '../helpers/kafka-tool.js';
import { PipelineRun } from '../helpers/pipeline-run.js';
import { stopAndCheckExit } from '../helpers/stop-and-check-exit.js';

// Issue 5, rebalance: the image pipeline runs as one process per node on the real broker. Mid-run a
// second `objects` process joins the group (a cooperative rebalance hands it part of the partitions
// of images.submitted; the first commits what it finished before letting them go), then the first
// is SIGKILLed (its partitions move to the second once its session times out). At the end no id is
// missing, and the objects group has committed everything: zero lag, checked with the transport's
// admin client and with Kafka's own kafka-consumer-groups tool.
//
// The moments are drawn from a seed printed with the results: `VF_REBALANCE_SEED=<seed>` replays them.

// 640 images: enough work left for the objects node after the second instance has joined.
const REPEAT = 16;
const SEED = testSeed('VF_REBALANCE_SEED');
const DEADLINE_MS = 240_000;
const OBJECTS_GROUP = groupOf('objects');

describe('rebalance of the objects node (second instance joins, first is SIGKILLed)', () => {
  const run = new PipelineRun('t-rebal', ['--set', 'timeout=600s']);
  const { name: ns, brokers } = run.namespace;
  beforeAll(() => run.setUp());
  afterAll(() => run.tearDown());

  it('no id is missing and the objects group ends with zero lag', async () => {
    const ids = await expectedIds(SHARED_IMAGES, REPEAT);
    const rand = seededRandom(SEED);
    const joinAt = Math.round((0.05 + rand() * 0.15) * ids.length); // objects outputs when #2 starts
    const killAfter = 5 + Math.floor(rand() * 30); // more objects outputs after #2 took over, then kill #1
    console.log(`[rebalance] seed ${SEED} (replay with VF_REBALANCE_SEED=${SEED}); namespace ${ns}; second objects at ${joinAt} outputs, SIGKILL of the first ${killAfter} outputs after the second has partitions`);

    const view = run.view;
    const objects1 = run.start('objects', 'objects#1');
    run.start('faces');
    run.start('aggregate');
    run.start('deliver');
    const started = Date.now();
    const ingest = run.start('ingest', 'ingest', ['--images', SHARED_IMAGES, '--set', `repeat=${REPEAT}`]);
    const t = () => ((Date.now() - started) / 1000).toFixed(1);
    // objects#1 is SIGKILLed on purpose.
    const waitFor = (what: string, check: () => Promise<boolean>, ms: number) => run.waitFor(what, check, ms, { killed: [objects1] });

    // 1. A second objects instance joins mid-run.
    await waitFor(`${joinAt} records in vision.objects`, async () => (await view.written('vision.objects')) >= joinAt, 120_000);
    const objects2 = run.start('objects', 'objects#2');
    console.log(`[rebalance] ${t()}s: started objects#2 with ${await view.written('vision.objects')} records in vision.objects`);

    // 2. It gets a share of the partitions while the first keeps the rest.
    let members: Awaited<ReturnType<typeof groupMembersWithKafkaTool>> = [];
    await waitFor('both objects instances to own partitions', async () => {
      members = await groupMembersWithKafkaTool(brokers, `${ns}.${OBJECTS_GROUP}`);
      return members.length === 2 && members.every((m) => m.partitions > 0);
    }, 90_000);
    console.log(`[rebalance] ${t()}s: partitions shared: ${JSON.stringify(members)}`);
    expect(members.reduce((n, m) => n + m.partitions, 0)).toBe(6);

    // 3. The first is SIGKILLed while both work.
    const base = await view.written('vision.objects');
    await waitFor(`${killAfter} more records in vision.objects`, async () => (await view.written('vision.objects')) >= Math.min(base + killAfter, ids.length - 10), 120_000);
    const atKill = await view.written('vision.objects');
    await objects1.sigkill();
    expect(atKill, 'the premise: objects#1 is killed while the objects node still has work').toBeLessThan(ids.length);
    console.log(`[rebalance] ${t()}s: SIGKILLed objects#1 with ${atKill} records in vision.objects`);

    // 4. Every id gets its result, and every group consumes everything.
    const seen = new Set<string>();
    let follower: TopicFollower | undefined;
    let lag: Record<string, number> = {};
    let quiet = 0;
    let allSeenAt: string | undefined;
    try {
      await waitFor('a result for every id and zero lag everywhere', async () => {
        if (!follower) follower = await view.follow('vision.analyses');
        const n = follower.records.length;
        await follower.catchUp();
        for (const r of follower.records.slice(n)) seen.add(String(r.key));
        if (!ids.every((id) => seen.has(id))) return false;
        allSeenAt ??= t();
        lag = await view.pipelineLag();
        quiet = Object.values(lag).every((l) => l === 0) ? quiet + 1 : 0;
        return quiet >= 2;
      }, Math.max(30_000, DEADLINE_MS - (Date.now() - started)));
    } finally {
      await follower?.close();
    }
    const quietAt = t();

    // objects#2 alone owns all six partitions once the group has dropped the dead member.
    let after = members;
    await waitFor('objects#2 to own all six partitions', async () => {
      after = await groupMembersWithKafkaTool(brokers, `${ns}.${OBJECTS_GROUP}`);
      return after.length === 1 && after[0]!.partitions === 6;
    }, 90_000);
    console.log(`[rebalance] ${t()}s: objects group at the end: ${JSON.stringify(after)}`);

    // Graceful stop; each exits 0 (drain + commit).
    await stopAndCheckExit(run.processes((n) => n === objects1 || n.name === 'ingest'));
    expect((await ingest.current!.exited).code, ingest.describe()).toBe(0);

    // Zero lag for the objects group, by the transport's admin client...
    const admin = view.ns.admin();
    const [ends, committed] = await Promise.all([admin.endOffsets('images.submitted'), admin.committedOffsets(OBJECTS_GROUP, 'images.submitted')]);
    expect(committed.map((c) => ({ p: c.partition, o: c.offset }))).toEqual(ends.map((e) => ({ p: e.partition, o: e.offset })));
    expect(ends.reduce((n, e) => n + e.offset, 0)).toBe(ids.length);
    // ...and by Kafka's own tool.
    const described = await describeGroupWithKafkaTool(brokers, `${ns}.${OBJECTS_GROUP}`);
    expect(described.rows, described.raw).toHaveLength(6);
    for (const row of described.rows) expect({ partition: row.partition, lag: row.lag, current: row.current }, described.raw).toEqual({ partition: row.partition, lag: 0, current: row.end });
    expect(await view.pipelineLag()).toEqual({ objects: 0, faces: 0, aggregate: 0, deliver: 0 });

    const check = checkResults(await view.readAll('vision.analyses'), ids);
    const objectsWritten = await view.written('vision.objects');
    console.log(
      `[rebalance] seed ${SEED}: ${ids.length} submitted, ${objectsWritten} records in vision.objects (${objectsWritten - ids.length} re-processed), ` +
        `${check.total} results, ${check.distinct} distinct, ${check.duplicates} duplicates before dedup; reasons ${JSON.stringify(check.byReason)}; ` +
        `every id had a result at ${allSeenAt} s, quiet at ${quietAt} s`,
    );
    expect(check.missing, `ids without a result; seed ${SEED}`).toEqual([]);
    expect(check.unexpected).toEqual([]);
    expect(check.distinct).toBe(ids.length);
    expect(check.finalPartial, 'partial results (a lost detector output)').toEqual([]);
    expect(objects2.kills).toHaveLength(0);
  }, 360_000);
});
