// KafkaAdmin's way out of a librdkafka handle that has lost every broker (librdkafka issue #5301,
// see cut-off-watch.ts), against a real broker at VF_BROKERS (skipped without one): the admin
// client is replaced, and the calls after it (store restores, lag checks) work again.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('a KafkaAdmin whose handle lost every broker (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-admin-cutoff-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-admin-cutoff-test' });
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('replaces the handle after two reports without a broker, not after one, and answers through the new one', async () => {
    const admin = transport.admin();
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    const handle = () => (admin as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    const first = handle();
    const cutOff = { message: JSON.stringify({ type: 'producer', brokers: {} }) };
    const connected = { message: JSON.stringify({ type: 'producer', brokers: { '127.0.0.1:9092/1': { nodeid: 1, source: 'learned', state: 'UP' } } }) };

    first.emit('event.stats', cutOff);
    first.emit('event.stats', connected); // a broker came back: the count starts again
    first.emit('event.stats', cutOff);
    expect(handle(), 'one report without a broker may fall between a removal and a re-bootstrap').toBe(first);
    first.emit('event.stats', cutOff);
    expect(handle()).not.toBe(first);

    expect(await admin.listTopics()).toContain(topic);
    expect((await admin.endOffsets(topic)).map((o) => o.offset)).toEqual([0, 0]);
    // The old handle's reports no longer count.
    const second = handle();
    first.emit('event.stats', cutOff);
    first.emit('event.stats', cutOff);
    expect(handle()).toBe(second);
  }, 60_000);
});
