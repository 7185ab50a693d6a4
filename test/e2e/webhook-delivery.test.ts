// The deliver node as a real process on the real broker, POSTing to a loopback receiver that fails
// now and then (500s, 429 with Retry-After, requests it never answers): SIGKILLed in the middle of
// delivering and started again, it loses nothing (every id reaches the receiver with a 2xx at least
// once; the receiver deduplicates by vf-webhook-id), every signature verifies, each tenant's
// endpoint gets only its tenant's results, and the route node's tenant topics never mix.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver, maxInWindow } from '../../packages/operators/src/sinks/webhook/webhook-receiver.test-setup.js';
import { produceResults, tenantResults } from '../fixtures/webhooks/produce-results.js';
import { CliProcess } from '../helpers/cli.js';
import { endProcesses } from '../helpers/end-processes.js';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';
import { pollUntil } from '../helpers/pipeline-processes.js';

const TOPOLOGY = fileURLToPath(new URL('../fixtures/webhooks/delivery-topology.ts', import.meta.url));
const SECRETS = { acme: 'acme-secret-0123456789', globex: 'globex-secret-0123456789' };
const RATE = 25;

describe('webhook delivery on Kafka through a SIGKILL of the deliver node', () => {
  const kns = new KafkaNamespace('t-webhook');
  const work = join(tmpdir(), `vf-${kns.name}`);
  const procs: CliProcess[] = [];
  // Every 7th request on a path gets a 500, every 11th a 429 asking to wait 1 s, every 19th no answer.
  const receiver = new WebhookReceiver(SECRETS, ({ n }) => (n % 7 === 3 ? { status: 500 } : n % 11 === 5 ? { status: 429, headers: { 'retry-after': '1' } } : n % 19 === 9 ? 'hang' : { status: 200 }));

  beforeAll(async () => {
    await mkdir(work, { recursive: true });
    await kns.connect();
    await receiver.start();
  });
  afterAll(async () => {
    await endProcesses(procs);
    await receiver.close();
    await kns.drop();
    await rm(work, { recursive: true, force: true });
  });

  const start = async (node: string): Promise<CliProcess> => {
    const config = join(work, 'config.json');
    const limits = { rate: `${RATE}/s`, burst: 2, maxConcurrency: 4, timeout: '1s', failureThreshold: 20, openFor: '2s' };
    const webhooks = Object.fromEntries(Object.entries(SECRETS).map(([tenant, secret]) => [tenant, { url: receiver.url(tenant), secret, ...limits }]));
    await writeFile(config, JSON.stringify({ params: { webhooks } }));
    const p = new CliProcess(['run', TOPOLOGY, '--node', node, ...kns.cliArgs, '--config', config, '--no-progress'], { timeoutMs: 10 * 60_000 });
    procs.push(p);
    return p;
  };

  it('delivers every result at least once, signed, to its own tenant only, and routes each to its tenant topic', async () => {
    const list = tenantResults(300, ['acme', 'globex']);
    await produceResults(kns.view.ns, kns.registry, kns.name, list);
    const route = await start('route');
    const first = await start('deliver');
    const delivered = () => receiver.delivered('acme').size + receiver.delivered('globex').size;

    expect(await pollUntil(() => delivered() >= 80, 120_000, 100), `deliveries before the kill: ${delivered()}\n${first.stderr.slice(-2000)}`).toBe(true);
    first.kill('SIGKILL');
    await first.exited;
    const atKill = delivered();
    const second = await start('deliver');
    const all = await pollUntil(() => delivered() === list.length, 240_000, 250);
    expect(all, `delivered ${delivered()} of ${list.length}\n${second.stderr.slice(-3000)}`).toBe(true);

    for (const tenant of ['acme', 'globex'] as const) {
      const expected = list.filter((r) => r.tenant === tenant).map((r) => r.id).sort();
      expect([...receiver.delivered(tenant)].sort()).toEqual(expected);
      const got = receiver.of(tenant);
      expect(got.filter((r) => r.bodyTenant !== tenant || !r.id.startsWith(`${tenant}-`))).toEqual([]);
      console.log(`[webhook e2e] ${tenant}: ${got.length} requests for ${expected.length} results, ${got.filter((r) => r.status === 200).length - expected.length} repeated 2xx; peak ${maxInWindow(got, 2000)} in 2 s (rate ${RATE}/s, burst 2), ${receiver.maxOpen.get(tenant)} open at most (limit 4)`);
      expect(receiver.maxOpen.get(tenant)).toBeLessThanOrEqual(4);
      expect(maxInWindow(got, 2000)).toBeLessThanOrEqual(2 + RATE * 2.25); // burst + rate × 2 s, and 250 ms of arrival jitter
    }
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    expect(new Set(receiver.requests.map((r) => r.status))).toEqual(new Set([200, 500, 429, 'no answer']));
    console.log(`[webhook e2e] SIGKILL after ${atKill} of ${list.length} deliveries; ${receiver.requests.length} requests in all`);

    // The route node's tenant topics: each holds exactly its tenant's results.
    for (const tenant of ['acme', 'globex'] as const) {
      const topic = `analyses.${tenant}`;
      const ok = await pollUntil(async () => (await kns.view.written(topic)) >= list.length / 2, 120_000);
      expect(ok, route.stderr.slice(-2000)).toBe(true);
      const records = await kns.view.readAll(topic);
      expect(records.map((r) => (r.value as { id: string }).id).sort()).toEqual(list.filter((r) => r.tenant === tenant).map((r) => r.id).sort());
    }
    expect(await kns.view.written('deliver.dlq')).toBe(0);
    expect(await kns.view.written('route.dlq')).toBe(0);
  }, 420_000);
});
