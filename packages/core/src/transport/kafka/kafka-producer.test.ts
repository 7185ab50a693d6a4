// KafkaProducer's way out of a librdkafka handle that has lost every broker (librdkafka issue #5301,
// seen after a broker restart), against a real broker at VF_BROKERS (skipped without one): what the
// old handle holds fails at once as retriable, and later sends go through a new handle.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVisionFlowError } from '../../errors/vision-flow-error.js';
import { KafkaTransport } from './kafka-transport.js';

const brokers = process.env['VF_BROKERS']?.trim();

describe.runIf(brokers)('a KafkaProducer whose handle lost every broker (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-cutoff-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-cutoff-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 1 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('fails what the old handle holds as retriable and sends on through a new one', async () => {
    const producer = await transport.producer();
    expect((await producer.send({ topic, key: null, value: Buffer.from('before') })).offset).toBe(0);

    // A record librdkafka holds for a while (it waits up to 3 s for a topic that does not exist).
    const started = Date.now();
    const held = producer.send({ topic: `missing-${randomUUID().slice(0, 8)}`, partition: 0, key: null, value: Buffer.from('held') }).catch((e: unknown) => e);
    // What librdkafka reports once it has dropped every broker, twice in a row.
    const native = (producer as unknown as { native: NodeJS.EventEmitter }).native;
    const cutOff = { message: JSON.stringify({ type: 'producer', brokers: { } }) };
    native.emit('event.stats', cutOff);
    native.emit('event.stats', cutOff);

    const error = await held;
    expect(isVisionFlowError(error) && { code: error.code, retriable: error.retriable }).toEqual({ code: 'CONNECTION_FAILED', retriable: true });
    expect(String(error)).toContain('lost every broker');
    expect(Date.now() - started, 'answered when the handle was replaced, not after librdkafka gave up on it').toBeLessThan(2_500);
    expect((producer as unknown as { native: unknown }).native).not.toBe(native);

    expect((await producer.send({ topic, key: null, value: Buffer.from('after') })).offset).toBe(1);
    await producer.flush(5_000);
    await producer.close();
  }, 60_000);
});
