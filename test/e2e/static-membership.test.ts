import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, jsonLines } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { stackScript } from '../helpers/kafka-tool.js';

// Static membership (--instance-id, Kafka's group.instance.id), as OS processes on the real broker:
// a node killed with SIGKILL and started again with the same id takes its partitions back at once,
// where a plain member would wait out the dead one's session (60 s here). Two running copies that
// share an id are a mistake, and the fenced one says so.

const TOPOLOGY = fileURLToPath(new URL('../fixtures/backpressure-topology.ts', import.meta.url));
const SESSION_TIMEOUT_S = 60;

describe('vision-flow run --instance-id (static membership)', () => {
  const kns = new KafkaNamespace();
  const group = `${kns.name}.backpressure.deliver`;
  const env = { VF_BROKERS: kns.brokers, VF_REGISTRY: kns.registry, VF_NAMESPACE: kns.name };
  const deliver = (instanceId: string) =>
    new CliProcess(['run', TOPOLOGY, '--node', 'deliver', '--instance-id', instanceId, '--session-timeout', `${SESSION_TIMEOUT_S}s`, '--set', 'sinkDelayMs=20', '--no-progress'], { env, timeoutMs: 240_000 });
  const running: CliProcess[] = [];

  beforeAll(async () => {
    // Enough readings that the slow sink (50/s) is still busy through the whole test.
    const produce = new CliProcess(['run', TOPOLOGY, '--node', 'produce', '--set', 'count=20000', '--set', 'bytes=64', '--no-progress'], { env, timeoutMs: 120_000 });
    const produced = await produce.exited;
    expect(produced.code, produced.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await endProcesses(running);
    await kns.drop();
  });

  it('takes its partitions back at once after SIGKILL, well within the session timeout, and fences a second copy with the same id', async () => {
    const first = deliver('deliver-1');
    running.push(first);
    await first.waitFor('results', (out) => jsonLines(out).length >= 20, 90_000);
    const members = await stackScript(['kafka-tool', 'consumer-groups', '--bootstrap-server', kns.brokers, '--describe', '--members', '--group', group], 120_000);
    expect(members.stdout, "Kafka's own tool shows the member's instance id").toContain('deliver-1');

    first.kill('SIGKILL');
    await first.exited;
    const restartedAt = Date.now();
    const second = deliver('deliver-1');
    running.push(second);
    await second.waitFor('results after the restart', (out) => jsonLines(out).length >= 5, SESSION_TIMEOUT_S * 1000);
    const secondsToResume = (Date.now() - restartedAt) / 1000;
    console.log(`static membership: results again ${secondsToResume.toFixed(1)} s after the restart (session timeout ${SESSION_TIMEOUT_S} s)`);
    // A plain member would wait for the killed one's session to expire (60 s) before any result.
    expect(secondsToResume, second.stderr).toBeLessThan(SESSION_TIMEOUT_S / 2);
    // It goes on from the killed copy's last commit (at least once: what came after it is read again), not from the start.
    const firstIds = new Set(jsonLines<{ id: string }>(first.stdout).map((r) => r.id));
    await second.waitFor('a reading the killed copy had not delivered', (out) => jsonLines<{ id: string }>(out).some((r) => !firstIds.has(r.id)), 30_000);
    const again = jsonLines<{ id: string }>(second.stdout).filter((r) => firstIds.has(r.id)).length;
    expect(again, 'read again: at most what followed the last commit (1 s of work at 50 readings/s, per partition)').toBeLessThan(firstIds.size);

    // A third copy with the same id: the broker fences the older one, which stops and says why.
    const third = deliver('deliver-1');
    running.push(third);
    const fenced = await Promise.race([second.exited.then((r) => ({ who: 'second', r })), third.exited.then((r) => ({ who: 'third', r }))]);
    expect(fenced.r.code, fenced.r.stderr).not.toBe(0);
    expect(fenced.r.stderr).toContain(`joined group "${group}" with the same instance id "deliver-1"`);
    expect(fenced.r.stderr).toContain('give each running copy its own --instance-id / VF_INSTANCE_ID');
  }, 240_000);
});
