// KafkaConsumer's way out of a librdkafka handle that has lost every broker (librdkafka issue #5301,
// seen after a broker restart): how the statistics show it, and, against a real broker at
// VF_BROKERS (skipped without one), that the consumer replaces the handle and goes on reading.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import type { IncomingMessage, TopicPartition, TransportConsumer } from '../transport.js';
import { statsShowNoBroker } from './cut-off-watch.js';
import { KafkaTransport } from './kafka-transport.js';

/** A statistics report as librdkafka writes it, cut down to the broker list. */
const stats = (brokers: Record<string, { nodeid: number; source: string; state: string }>) =>
  JSON.stringify({ name: 'vision-flow-consumer#consumer-1', type: 'consumer', brokers });

describe('statsShowNoBroker', () => {
  it('sees a client with a learned broker, even one that is down, as connected: librdkafka reconnects it', () => {
    expect(statsShowNoBroker(stats({
      '127.0.0.1:9092/1': { nodeid: 1, source: 'learned', state: 'DOWN' },
      GroupCoordinator: { nodeid: 1, source: 'logical', state: 'DOWN' },
    }))).toBe(false);
  });

  it('sees a client with only its bootstrap server (start-up, re-bootstrap) as connected', () => {
    expect(statsShowNoBroker(stats({ '127.0.0.1:9092/bootstrap': { nodeid: -1, source: 'configured', state: 'INIT' } }))).toBe(false);
  });

  it('sees a client left with only the logical coordinator handle, or nothing, as cut off', () => {
    expect(statsShowNoBroker(stats({ GroupCoordinator: { nodeid: -1, source: 'logical', state: 'INIT' } }))).toBe(true);
    expect(statsShowNoBroker(stats({}))).toBe(true);
  });

  it('says nothing about a report it cannot read', () => {
    expect(statsShowNoBroker('not json')).toBe(false);
    expect(statsShowNoBroker('{}')).toBe(false);
    expect(statsShowNoBroker('null')).toBe(false);
  });
});

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('a KafkaConsumer whose handle lost every broker (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-cutoff-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-cutoff-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  /** Polls until `done` holds, collecting records and errors; fails after `timeoutMs`. */
  async function pollUntil(c: TransportConsumer, seen: { msgs: IncomingMessage[]; errors: unknown[] }, done: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms; errors: ${seen.errors.map(String).join('; ')}`);
      try {
        seen.msgs.push(...(await c.poll(100, 100)));
      } catch (e) {
        seen.errors.push(e);
      }
    }
  }

  it('revokes its partitions as lost, says so once through poll, and reads on as a new member', async () => {
    const producer = await transport.producer();
    const send = (from: number, to: number) => Promise.all(Array.from({ length: to - from }, (_, i) => producer.send({ topic, partition: (from + i) % 2, key: null, value: Buffer.from(`v${from + i}`) })));
    await send(0, 10);

    const groupId = `g-cutoff-${randomUUID().slice(0, 8)}`;
    const consumer = await transport.consumer({ groupId });
    const events: string[] = [];
    let commitInRevoke: unknown;
    await consumer.subscribe([topic], {
      onAssigned: (tps) => void events.push(`assigned ${tps.map((tp) => tp.partition).sort().join(',')}`),
      onRevoked: async (tps: readonly TopicPartition[]) => {
        events.push(`revoked ${tps.map((tp) => tp.partition).sort().join(',')}`);
        if (events.length === 2) commitInRevoke = await consumer.commit([{ ...tps[0]!, offset: 1 }]).then(() => 'committed', (e: unknown) => e);
      },
    });
    const seen = { msgs: [] as IncomingMessage[], errors: [] as unknown[] };
    await pollUntil(consumer, seen, () => seen.msgs.length >= 10);
    await consumer.commit([{ topic, partition: 0, offset: 5 }, { topic, partition: 1, offset: 5 }]);

    // What librdkafka reports once it has dropped every broker, twice in a row (stats come with consume()).
    const native = (consumer as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    const cutOff = { message: stats({ GroupCoordinator: { nodeid: -1, source: 'logical', state: 'INIT' } }) };
    native.emit('event.stats', cutOff);
    native.emit('event.stats', cutOff);

    await send(10, 14);
    const reassigned = () => new Set(events.slice(2).flatMap((e) => e.replace('assigned ', '').split(',')));
    await pollUntil(consumer, seen, () => reassigned().size === 2 && seen.msgs.length >= 14);

    expect(events.slice(0, 2)).toEqual(['assigned 0,1', 'revoked 0,1']);
    expect([...reassigned()].sort(), 'the new member got both partitions back').toEqual(['0', '1']);
    expect(isVisionFlowError(commitInRevoke) && commitInRevoke.code, 'no commit for partitions the group gave away').toBe('GROUP_REBALANCED');
    expect(seen.errors).toHaveLength(1);
    expect(isVisionFlowError(seen.errors[0]) && seen.errors[0].retriable).toBe(true);
    expect(String(seen.errors[0])).toContain('lost every broker');
    // The new member starts from the last commit (5 on both partitions): only the new records, once.
    expect(seen.msgs.slice(10).map((m) => m.value!.toString()).sort()).toEqual(['v10', 'v11', 'v12', 'v13']);
    expect((consumer as unknown as { handle: { current: unknown } }).handle.current).not.toBe(native);

    // And it commits through the new handle.
    await consumer.commit([{ topic, partition: 0, offset: 7 }]);
    expect((await transport.admin().committedOffsets(groupId, topic)).find((o) => o.partition === 0)?.offset).toBe(7);
    await consumer.close();
    await producer.close();
  }, 120_000);
});
