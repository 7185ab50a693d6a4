// `vision-flow plan` and `apply` on the real broker and registry, in a namespace of their own:
// plan on an empty namespace lists every topic and subject; apply creates them; plan again has
// nothing to do; a drifted config, too few partitions and an unknown topic are reported, fixed
// (or, for the unknown topic, deleted only when asked).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfluentSchemaRegistry, NamespacedSchemaRegistry, topologyTopics } from '@vision-flow/core';
import { buildProgram, loadTopology } from '@vision-flow/cli';
import { REPO } from '../helpers/cli.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { TOPOLOGIES } from './generate.js';

/** Runs `vision-flow <args>` in this process as a user would, from the repository root; returns what it printed and its exit code. */
async function cli(args: readonly string[]): Promise<{ out: string; code: number }> {
  const cwd = process.cwd();
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
  process.chdir(REPO);
  process.exitCode = undefined;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'vision-flow', ...args]);
    return { out: printed.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    spy.mockRestore();
    process.chdir(cwd);
    process.exitCode = undefined;
  }
}

describe('vision-flow plan / apply (real broker and registry)', () => {
  const kns = new KafkaNamespace('t-provision');
  const plan = () => cli(['plan', TOPOLOGIES.analytics, ...kns.cliArgs]);
  const apply = (...extra: string[]) => cli(['apply', TOPOLOGIES.analytics, ...kns.cliArgs, ...extra]);
  beforeAll(() => kns.connect(), 60_000);
  afterAll(() => kns.drop(), 60_000);

  it('lists every topic and subject on an empty namespace, creates them, then has nothing to do', async () => {
    const topology = await loadTopology(`${REPO}/${TOPOLOGIES.analytics}`);
    const wanted = topologyTopics(topology).map((t) => t.spec.name);
    expect(wanted).toEqual(expect.arrayContaining(['vision.analyses', 'image-analytics.label-counts.by-camera-label.repartition', 'label-counts.dlq', 'image-analytics.activity.activity.changelog', 'image-analytics.activity.instances']));

    const first = await plan();
    expect(first.code).toBe(0);
    const creates = [...first.out.matchAll(/^\+ create topic {2}(\S+) {2}\((\S+)\)/gm)].map((m) => m[1]);
    expect(creates.sort()).toEqual([...wanted].sort());
    expect(first.out).toMatch(/^\+ create topic {2}image-analytics\.label-counts\.label-counts\.changelog {2}\(changelog\) {2}partitions=6 replication=broker-default cleanup\.policy=compact,delete retention\.ms=\d+ /m);
    expect(first.out).toMatch(/^\+ create topic {2}label-counts\.dlq {2}\(dead-letter\) {2}partitions=1 .*cleanup\.policy=delete /m);
    expect(first.out).toMatch(/^\+ create topic {2}image-analytics\.activity\.by-camera\.repartition {2}\(repartition\)/m);
    expect(first.out).toMatch(/^\+ register {6}vision\.analytics\.activity-value {2}new subject/m);
    expect(first.out).toMatch(/^\+ register {6}image-analytics\.label-counts\.label-counts\.changelog-key /m);
    expect(first.out).not.toMatch(/register {6}vision\.analyses-value/); // only read here: never registered by this topology
    expect(first.out).toMatch(new RegExp(`image-analytics on .*\\(namespace ${kns.name}\\): ${wanted.length} topic\\(s\\) to create, 0 to change, \\d+ subject\\(s\\) to register$`, 'm'));
    expect(await kns.view.exists('vision.analytics.activity'), 'plan only reads').toBe(false);

    const applied = await apply();
    expect(applied.code, applied.out).toBe(0);
    expect(applied.out).toMatch(/^created vision\.analytics\.activity \(6 partitions/m);
    expect(applied.out).toMatch(/^registered vision\.analytics\.label-counts-value$/m);
    for (const t of wanted) expect(await kns.view.exists(t), t).toBe(true);

    const again = await plan();
    expect(again.out).toMatch(/image-analytics on .*: nothing to do \(\d+ topics, \d+ subjects up to date\)/);
    expect(again.out).not.toMatch(/^[+~]/m);
  }, 180_000);

  it('reports drifted configs and too few partitions, and apply brings them back without deleting anything', async () => {
    const admin = kns.view.ns.admin();
    await admin.alterTopicConfigs!('image-analytics.activity.activity.changelog', { 'cleanup.policy': 'delete' });
    await admin.alterTopicConfigs!('vision.analytics.activity', { 'max.message.bytes': '1000' });
    const drift = await plan();
    expect(drift.out).toMatch(/^~ config {8}image-analytics\.activity\.activity\.changelog {2}\(changelog\) {2}cleanup\.policy: delete -> compact$/m);
    expect(drift.out).toMatch(/^~ config {8}vision\.analytics\.activity {2}\(output\) {2}max\.message\.bytes: 1000 -> \d+$/m);
    expect(drift.out).toMatch(/0 topic\(s\) to create, 2 to change/);

    await admin.deleteTopics(['label-counts.dlq']);
    await admin.createTopics([{ name: 'label-counts.dlq', partitions: 1 }]);
    await admin.createTopics([{ name: 'image-analytics.old-store.changelog', partitions: 1, compacted: true }]);
    const unknown = await plan();
    expect(unknown.out).toMatch(/^\? unknown topic image-analytics\.old-store\.changelog {2}not declared by image-analytics; kept/m);

    expect((await apply()).code).toBe(0);
    expect(await kns.view.exists('image-analytics.old-store.changelog'), 'apply deletes nothing unless asked').toBe(true);
    const state = await admin.topicState!('image-analytics.activity.activity.changelog', ['cleanup.policy']);
    expect(state?.configs['cleanup.policy']).toBe('compact');
    expect((await plan()).out).toMatch(/nothing to do/);

    const deleted = await apply('--delete-unknown');
    expect(deleted.out).toMatch(/^deleted image-analytics\.old-store\.changelog$/m);
    expect(await kns.view.exists('image-analytics.old-store.changelog')).toBe(false);
  }, 180_000);

  it('shows partitions to add for a topic created smaller than the topology declares', async () => {
    const admin = kns.view.ns.admin();
    await admin.deleteTopics(['vision.analytics.label-counts']);
    await admin.createTopics([{ name: 'vision.analytics.label-counts', partitions: 2 }]);
    expect((await plan()).out).toMatch(/^~ partitions {4}vision\.analytics\.label-counts {2}\(output\) {2}2 -> 6 /m);
    const applied = await apply();
    expect(applied.out).toMatch(/^grew vision\.analytics\.label-counts from 2 to 6 partitions$/m);
    expect((await admin.topicState!('vision.analytics.label-counts', []))?.partitions).toBe(6);
  }, 180_000);
});

describe('vision-flow plan / apply with a schema the registry refuses (real broker and registry)', () => {
  const kns = new KafkaNamespace('t-provision-refused');
  beforeAll(() => kns.connect(), 60_000);
  afterAll(() => kns.drop(), 60_000);

  it('names the subject and field, exits 1, and apply changes nothing', async () => {
    const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), kns.name);
    // An older Activity without `people`: the topology's, which adds it without a default, cannot read it (BACKWARD).
    await registry.register('vision.analytics.activity-value', ['null', { type: 'record', name: 'Activity', namespace: 'vision.analytics', fields: [{ name: 'images', type: 'long' }, { name: 'objects', type: 'long' }] }]);
    const planned = await cli(['plan', TOPOLOGIES.analytics, ...kns.cliArgs]);
    expect(planned.code).toBe(1);
    expect(planned.out).toMatch(/^! INCOMPATIBLE {2}vision\.analytics\.activity-value {2}field .+vision\.analytics\.Activity.+ \(BACKWARD\)$/m);
    expect(planned.out).toMatch(/1 INCOMPATIBLE \(apply refuses\)$/m);
    const applied = await cli(['apply', TOPOLOGIES.analytics, ...kns.cliArgs]);
    expect(applied.code).toBe(1);
    expect(applied.out).toMatch(/^apply changed nothing$/m);
    expect(await kns.view.exists('vision.analytics.activity')).toBe(false);
  }, 120_000);
});
