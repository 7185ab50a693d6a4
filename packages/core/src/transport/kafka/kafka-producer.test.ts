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
    const native = (producer as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    const cutOff = { message: JSON.stringify({ type: 'producer', brokers: { } }) };
    native.emit('event.stats', cutOff);
    native.emit('event.stats', cutOff);

    const error = await held;
    expect(isVisionFlowError(error) && { code: error.code, retriable: error.retriable }).toEqual({ code: 'CONNECTION_FAILED', retriable: true });
    expect(String(error)).toContain('lost every broker');
    expect(Date.now() - started, 'answered when the handle was replaced, not after librdkafka gave up on it').toBeLessThan(2_500);
    expect((producer as unknown as { handle: { current: unknown } }).handle.current).not.toBe(native);

    expect((await producer.send({ topic, key: null, value: Buffer.from('after') })).offset).toBe(1);
    await producer.flush(5_000);
    await producer.close();
  }, 60_000);
});

describe.runIf(brokers)('a KafkaProducer answering at checkpoints (real broker)', () => {
  let transport: KafkaTransport;
  const topic = `t-checkpoint-${randomUUID().slice(0, 8)}`;
  const written = async () => (await transport.admin().endOffsets(topic)).reduce((n, o) => n + o.offset, 0);

  beforeAll(async () => {
    transport = await KafkaTransport.connect({ brokers: brokers!, clientId: 'vf-checkpoint-test' });
    await transport.admin().createTopics([{ name: topic, partitions: 3 }]);
  });
  afterAll(async () => {
    await transport?.admin().deleteTopics([topic]).catch(() => undefined);
    await transport?.close();
  });

  it('answers each produce when it takes the message; a checkpoint returns once all are acknowledged, holding back what comes meanwhile', async () => {
    const producer = await transport.producer({ acknowledge: 'checkpoint' });
    const answers: Array<{ error: unknown; report: unknown }> = [];
    const send = (i: number) => producer.produce({ topic, key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i) }, (error, report) => answers.push({ error, report }));
    for (let i = 0; i < 500; i++) send(i);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toHaveLength(500);
    expect(answers.every((a) => a.error === undefined && a.report === undefined)).toBe(true);

    const first = producer.checkpoint!();
    for (let i = 500; i < 600; i++) send(i); // during the flush: held back, then sent
    await first;
    expect(await written(), 'all taken before the checkpoint are in the topic').toBeGreaterThanOrEqual(500);
    await producer.checkpoint!();
    expect(answers).toHaveLength(600);
    expect(await written()).toBe(600);
    await producer.close();
  }, 60_000);

  it('says a taken write is durable only once a checkpoint after it acknowledged it, starting one itself when no commit does', async () => {
    const producer = await transport.producer({ acknowledge: 'checkpoint' });
    const before = await written();
    await new Promise<void>((resolve) => producer.produce({ topic, key: Buffer.from('d'), value: Buffer.alloc(100) }, () => resolve()));
    let durableAt: number | undefined;
    const asked = Date.now();
    const durable = producer.durable!().then(() => (durableAt = Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(durableAt, 'taken is not acknowledged: no checkpoint has run').toBeUndefined();
    await durable;
    expect(durableAt! - asked, 'its own checkpoint, about a second after the wait').toBeGreaterThanOrEqual(900);
    expect(await written()).toBe(before + 1);

    // A commit's checkpoint answers the waits made before it started, at once.
    await new Promise<void>((resolve) => producer.produce({ topic, key: Buffer.from('e'), value: Buffer.alloc(100) }, () => resolve()));
    const second = producer.durable!();
    const started = Date.now();
    await producer.checkpoint!();
    await second;
    expect(Date.now() - started).toBeLessThan(900);
    expect(await written()).toBe(before + 2);

    // A write that may be lost: the wait rejects, with the checkpoint's error.
    producer.produce({ topic: `missing-${randomUUID().slice(0, 8)}`, partition: 0, key: null, value: Buffer.from('lost') }, () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const lost = producer.durable!().catch((e: unknown) => e);
    await producer.checkpoint!().catch(() => undefined);
    const error = await lost;
    expect(isVisionFlowError(error) && error.code).toBe('UNKNOWN_TOPIC');

    // Closing answers the waits made before it; one made after has no checkpoint to wait for.
    await new Promise<void>((resolve) => producer.produce({ topic, key: Buffer.from('f'), value: Buffer.alloc(100) }, () => resolve()));
    const beforeClose = producer.durable!();
    await producer.close();
    await beforeClose;
    expect(await written()).toBe(before + 3);
    const afterClose = await producer.durable!().catch((e: unknown) => e);
    expect(isVisionFlowError(afterClose) && afterClose.code).toBe('PRODUCER_CLOSED');
  }, 60_000);

  it('reports a lost write once, at the next checkpoint', async () => {
    const producer = await transport.producer({ acknowledge: 'checkpoint' });
    const taken = await new Promise<unknown>((resolve) => producer.produce({ topic: `missing-${randomUUID().slice(0, 8)}`, partition: 0, key: null, value: Buffer.from('lost') }, (e) => resolve(e ?? 'taken')));
    expect(taken).toBe('taken');
    const error = await producer.checkpoint!().catch((e: unknown) => e);
    expect(isVisionFlowError(error) && error.code).toBe('UNKNOWN_TOPIC');
    await producer.checkpoint!(); // reported once
    await producer.close();
  }, 60_000);

  it('reports what a replaced handle held as lost (retriable) and sends on through the new one', async () => {
    const producer = await transport.producer({ acknowledge: 'checkpoint' });
    const before = await written();
    producer.produce({ topic: `missing-${randomUUID().slice(0, 8)}`, partition: 0, key: null, value: Buffer.from('held') }, () => undefined);
    const native = (producer as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    const cutOff = { message: JSON.stringify({ type: 'producer', brokers: { } }) };
    native.emit('event.stats', cutOff);
    native.emit('event.stats', cutOff);
    while ((producer as unknown as { handle: { current: unknown } }).handle.current === native) await new Promise((resolve) => setTimeout(resolve, 20));

    const error = await producer.checkpoint!().catch((e: unknown) => e);
    expect(isVisionFlowError(error) && { code: error.code, retriable: error.retriable }).toEqual({ code: 'CONNECTION_FAILED', retriable: true });
    expect(String(error)).toContain('lost every broker');
    // Covered by a checkpoint once taken (a null key first waits for the partition count).
    await new Promise<void>((resolve) => producer.produce({ topic, key: null, value: Buffer.from('after') }, () => resolve()));
    await producer.checkpoint!();
    expect(await written()).toBe(before + 1);
    await producer.close();
  }, 60_000);
});
