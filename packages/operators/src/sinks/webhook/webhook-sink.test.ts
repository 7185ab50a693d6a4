// webhookSink in a running topology (memory transport) against a local receiver that rate-limits
// (429 + Retry-After), fails now and then (500s, requests it never answers) and refuses some ids
// for good: every record is delivered or dead-lettered with its reason, every signature verifies,
// each tenant's endpoint gets only its own tenant's records, and the sink keeps to each endpoint's
// rate and concurrency, measured from the receiver's arrival times.
import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemorySchemaRegistry, MemoryTransport, HeaderNames, TopicSerde, TopologyRunner, avro, deadLetterTopic, record, topic, topology,
  type DeadLetter, type Source, type SourceReader,
} from '@vision-flow/core';
import { WebhookReceiver, maxInWindow, type Script } from './webhook-receiver.test-setup.js';
import { webhookSink } from './webhook-sink.js';
import type { WebhookEndpoints } from './webhook-endpoints.js';

const Result = avro.record('t.Result', { id: avro.string(), objects: avro.int() });
const results = topic('wh.results', { value: Result, partitions: 3 });
const SECRETS = { acme: 'acme-secret-0123456789', globex: 'globex-secret-0123456789' };
const RETRY = { maxAttempts: 8, initialDelayMs: 50, maxDelayMs: 400, jitter: 0.5, maxElapsedMs: 60_000 };

/** A bounded source of the given records, each with its tenant header (or none). */
function resultsOf(list: ReadonlyArray<{ id: string; tenant: string | undefined }>): Source<string, Result> {
  return {
    kind: 'results',
    bounded: true,
    open: async (): Promise<SourceReader<string, Result>> => {
      let i = 0;
      return {
        total: list.length,
        next: async () => {
          const r = list[i++];
          if (!r) return null;
          return { record: record({ key: r.id, value: { id: r.id, objects: i }, headers: r.tenant ? { [HeaderNames.tenant]: r.tenant } : {} }) };
        },
        close: async () => undefined,
      };
    },
  };
}

interface Run {
  readonly deadLetters: DeadLetter[];
}
type Result = { id: string; objects: number };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function deliver(list: ReadonlyArray<{ id: string; tenant: string | undefined }>, endpoints: WebhookEndpoints, retry = RETRY): Promise<Run> {
  const t = topology('webhooks')
    .node('feed', (n) => n.source(resultsOf(list)).to(results))
    .node('deliver', (n) => n.from(results).pipe(webhookSink({ endpoints, retry })), { maxInFlight: 50 });
  const transport = new MemoryTransport();
  const registry = new InMemorySchemaRegistry();
  const runner = new TopologyRunner(t, { transport, registry, log: () => undefined, drainCheckMs: 50, node: { pollTimeoutMs: 20 } });
  cleanups.push(() => transport.close());
  await runner.start();
  await runner.runUntilDrained();
  const dlq = new TopicSerde(deadLetterTopic('deliver.dlq'), registry);
  const reader = await transport.reader();
  await reader.assign([{ topic: 'deliver.dlq', partition: 0, offset: 0 }]);
  const messages = await reader.poll(1000, 200);
  await reader.close();
  return { deadLetters: await Promise.all(messages.map(async (m) => (await dlq.fromMessage(m)).value)) };
}

describe('webhookSink', () => {
  it('delivers or dead-letters every record, keeps each endpoint to its rate and concurrency, and never mixes tenants', async () => {
    // Ids ending in 7 always get a 500, ids ending in 3 a 400; other requests now and then a 500,
    // no answer, or a 429 asking to wait 1 s.
    const script: Script = ({ id, n }) => {
      if (id.endsWith('7')) return { status: 500 };
      if (id.endsWith('3')) return { status: 400 };
      if (n % 9 === 4) return { status: 500 };
      if (n % 13 === 6) return 'hang';
      if (n % 17 === 10) return { status: 429, headers: { 'retry-after': '1' } };
      return { status: 200 };
    };
    const receiver = await new WebhookReceiver(SECRETS, script).start();
    cleanups.push(() => receiver.close());
    const list: Array<{ id: string; tenant: string | undefined }> = Array.from({ length: 80 }, (_, i) => ({ id: `img-${String(i).padStart(3, '0')}`, tenant: i % 2 === 0 ? 'acme' : 'globex' }));
    list.push({ id: 'no-tenant-1', tenant: undefined }, { id: 'initech-1', tenant: 'initech' });
    const limits = { rate: '20/s', burst: 2, maxConcurrency: 3, timeout: '1500ms', failureThreshold: 50 } as const;
    const { deadLetters } = await deliver(list, {
      acme: { url: receiver.url('acme'), secret: SECRETS.acme, ...limits },
      globex: { url: receiver.url('globex'), secret: SECRETS.globex, ...limits },
    });

    const reasons = new Map(deadLetters.map((d) => [keyOf(d), d]));
    for (const { id, tenant } of list) {
      const delivered = tenant !== undefined && receiver.delivered(tenant).has(id);
      const letter = reasons.get(id);
      expect(delivered !== (letter !== undefined), `${id}: delivered ${delivered}, dead-lettered ${letter?.code}`).toBe(true);
      if (id.endsWith('7')) expect([letter?.code, letter?.context.status, letter?.context.attempts]).toEqual(['WEBHOOK_UNDELIVERED', '500', String(RETRY.maxAttempts)]);
      else if (id.endsWith('3')) {
        // A 400 is not retried (an attempt before it may have lost its connection: that one is).
        expect([letter?.code, letter?.context.status, letter?.message]).toEqual(['WEBHOOK_UNDELIVERED', '400', expect.stringContaining('(not retried)')]);
        expect(receiver.requests.filter((r) => r.id === id && r.status === 400)).toHaveLength(1);
      }
      else if (tenant === undefined) expect(letter?.code).toBe('TENANT_MISSING');
      else if (tenant === 'initech') expect(letter?.code).toBe('WEBHOOK_NO_ENDPOINT');
      else expect(delivered, `${id} delivered (dead letter: ${letter?.message})`).toBe(true);
    }
    expect(deadLetters.every((d) => d.message.length > 0)).toBe(true);

    // The scripted trouble happened, and was got through.
    const statuses = receiver.requests.map((r) => r.status);
    for (const s of [500, 400, 429, 'no answer'] as const) expect(statuses, `a ${s} was answered`).toContain(s);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    for (const [tenant, other] of [['acme', 'globex'], ['globex', 'acme']] as const) {
      const got = receiver.of(tenant);
      expect(got.every((r) => r.bodyTenant === tenant)).toBe(true);
      const others = new Set(list.filter((r) => r.tenant === other).map((r) => r.id));
      expect(got.filter((r) => others.has(r.id))).toEqual([]);
      // Rate: requests start at most burst + rate × T in any T. The receiver times arrivals on an event
      // loop it shares with the sink, so a stall on a busy machine bunches them: allowed 250 ms of that.
      const peak = maxInWindow(got, 2000);
      console.log(`[webhook] ${tenant}: ${got.length} requests, at most ${peak} in any 2 s (limit 20/s, burst 2: 42), at most ${receiver.maxOpen.get(tenant)} open (limit 3)`);
      expect(peak).toBeLessThanOrEqual(2 + 20 * 2.25);
      expect(receiver.maxOpen.get(tenant)).toBeLessThanOrEqual(3);
    }
  }, 120_000);

  it('waits as long as a 429 Retry-After asks before the next request to that endpoint', async () => {
    const receiver = await new WebhookReceiver(SECRETS, ({ n }) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 })).start();
    cleanups.push(() => receiver.close());
    const { deadLetters } = await deliver([{ id: 'a', tenant: 'acme' }, { id: 'b', tenant: 'acme' }], { acme: { url: receiver.url('acme'), secret: SECRETS.acme, rate: '100/s', burst: 5, maxConcurrency: 1 } });
    expect(deadLetters).toEqual([]);
    const [first, ...rest] = receiver.of('acme');
    expect(first!.status).toBe(429);
    expect(rest.map((r) => r.status)).toEqual([200, 200]);
    expect(rest[0]!.at - first!.answeredAt!).toBeGreaterThanOrEqual(990); // timers may fire a few ms early against performance.now()
  }, 60_000);

  it('opens the circuit after failureThreshold failures in a row, then lets one probe through after openFor', async () => {
    const receiver = await new WebhookReceiver(SECRETS, () => ({ status: 503 })).start();
    cleanups.push(() => receiver.close());
    const { deadLetters } = await deliver([{ id: 'x', tenant: 'acme' }], { acme: { url: receiver.url('acme'), secret: SECRETS.acme, rate: '100/s', burst: 5, failureThreshold: 3, openFor: '600ms' } }, { ...RETRY, maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 10 });
    const at = receiver.of('acme').map((r) => r.at);
    expect(at).toHaveLength(5);
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(590); // open: nothing until the probe
    expect(at[4]! - at[3]!).toBeGreaterThanOrEqual(590); // the probe failed: open again
    expect(deadLetters.map((d) => [d.code, d.context.status, d.context.attempts])).toEqual([['WEBHOOK_UNDELIVERED', '503', '5']]);
  }, 60_000);
});

function keyOf(d: DeadLetter): string {
  // The dead letter keeps the input's key bytes (Confluent Avro: 5-byte header, then a length-prefixed string).
  return d.key ? d.key.subarray(6).toString() : '';
}
