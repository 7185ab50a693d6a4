// What the Kafka binding's produceFlat() costs per message with 0, 1, 2 and 4 headers: the node's
// producer settings (idempotent, acks=all, linger 5 ms, failure reports only), ~1 KB values, one
// flush per round, against the broker at VF_BROKERS. Prints the process's CPU per message and each
// thread's (the JS thread, which calls produceFlat; librdkafka's broker thread, which frees what
// the messages allocated). Every output of a vision-flow node carries two headers (`vf-origin`,
// `traceparent`), so this is the bench for changes to how the binding and librdkafka take headers
// (packages/core/patches). Rounds go none, one, two, four, then back, so warm-up does not favour
// one kind; compare like rounds across runs (e.g. before and after a patch, swapping the addon).
//   bash scripts/stack.sh start && eval "$(bash scripts/stack.sh env)" && export VF_BROKERS
//   npx tsx bench/produce-headers-cpu.ts                      200,000 messages per round
//   npx tsx bench/produce-headers-cpu.ts --messages 500000
import { randomUUID } from 'node:crypto';
import rdkafka from '@confluentinc/kafka-javascript';
import { KafkaTransport } from '@vision-flow/core';
import { producerConfig } from '@vision-flow/core/testing';
import { threadCpu } from './raw-passthrough.js';

const QUEUE_FULL = rdkafka.CODES.ERRORS.ERR__QUEUE_FULL;

interface FlatProducer {
  produceFlat(topic: string, partition: number | null, value: Buffer | null, key: Buffer | null, timestamp: number | null, opaque: unknown, headers: string[] | undefined): void;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Header sets like a node's outputs: its provenance and trace context, then two more. */
const HEADERS: Record<string, string[] | undefined> = {
  none: undefined,
  one: ['vf-origin', 'bench.in/3/123456789'],
  two: ['vf-origin', 'bench.in/3/123456789', 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
  four: ['vf-origin', 'bench.in/3/123456789', 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'vf-tenant', 'acme', 'vf-trace-id', 'img-000123'],
};
const ORDER = ['none', 'one', 'two', 'four', 'four', 'two', 'one', 'none'];

async function main(): Promise<void> {
  const brokers = process.env['VF_BROKERS']?.trim();
  if (!brokers) throw new Error('VF_BROKERS is not set: start the stack (bash scripts/stack.sh start) and eval "$(bash scripts/stack.sh env)"');
  const messages = arg('messages', 200_000);
  const transport = await KafkaTransport.connect({ brokers, clientId: 'bench-produce-headers' });
  const topic = `bench-headers-${randomUUID().slice(0, 8)}`;
  await transport.admin().createTopics([{ name: topic, partitions: 6 }]);
  const producer = new rdkafka.Producer(producerConfig({ brokers }, { acknowledge: 'checkpoint' }));
  await new Promise<void>((resolve, reject) => producer.connect({}, (e) => (e ? reject(e) : resolve())));
  const flat = producer as unknown as FlatProducer;
  if (typeof flat.produceFlat !== 'function') throw new Error('the Kafka binding has no produceFlat: run bash scripts/setup.sh (it patches the binding)');
  const flush = () => new Promise<void>((resolve, reject) => producer.flush(30_000, (e) => (e ? reject(e) : resolve())));
  const value = Buffer.alloc(979, 7);
  console.log(`${messages.toLocaleString('en-US')} messages of ${value.length} B per round, topic ${topic}; µs per message`);
  try {
    for (const kind of ORDER) {
      const headers = HEADERS[kind];
      const before = threadCpu();
      const cpu = process.cpuUsage();
      for (let i = 0; i < messages; i++) {
        const key = Buffer.from(`key-${i}`);
        for (;;) {
          try {
            flat.produceFlat(topic, null, value, key, null, undefined, headers);
            break;
          } catch (e) {
            if ((e as { code?: number }).code !== QUEUE_FULL) throw e;
            producer.poll();
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        if (i % 5_000 === 4_999) await new Promise((r) => setImmediate(r)); // let the producer's callbacks run
      }
      await flush();
      const used = process.cpuUsage(cpu);
      const after = threadCpu();
      const threads = [...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const).filter(([, s]) => s > 0.01);
      const perMessage = (s: number) => ((s / messages) * 1e6).toFixed(2);
      console.log(`${kind.padEnd(5)} headers: process ${perMessage((used.user + used.system) / 1e6)}; by thread: ${threads.map(([name, s]) => `${name} ${perMessage(s)}`).join(', ')}`);
    }
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    await transport.admin().deleteTopics([topic]).catch(() => undefined);
    await transport.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
