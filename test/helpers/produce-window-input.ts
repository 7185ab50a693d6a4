import { StreamRecord, TopicSerde, type NamespacedSchemaRegistry, type Transport } from '@vision-flow/core';
import { windowInput, type GeneratedReading } from '../fixtures/kstreams/window-input.js';

const CHUNK = 20_000;

/**
 * Creates the cross-check's input topic in `transport` (a namespace's) and writes the generated
 * readings to it, each to its own partition, Confluent-framed Avro through the registry.
 */
export async function produceWindowInput(transport: Transport, registry: NamespacedSchemaRegistry, readings: readonly GeneratedReading[]): Promise<void> {
  await transport.admin().createTopics([{ name: windowInput.name, partitions: windowInput.partitions }]);
  const serde = new TopicSerde(windowInput, registry);
  await serde.register();
  const producer = await transport.producer({ clientId: 'kstreams-input', acknowledge: 'checkpoint' });
  try {
    let failed: Error | undefined;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      const msg = serde.toMessage(new StreamRecord({ key: r.camera, value: r.value, timestamp: r.timestamp }));
      producer.produce({ ...msg, partition: r.partition }, (e) => void (failed ??= e));
      // A checkpoint now and then keeps the client's queue bounded on a million records.
      if (i % CHUNK === CHUNK - 1) await producer.checkpoint?.();
    }
    await producer.flush(120_000);
    await producer.checkpoint?.();
    if (failed) throw failed;
  } finally {
    await producer.close();
  }
}
