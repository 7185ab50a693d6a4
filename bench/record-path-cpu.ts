// The pass-through node's own CPU per record, without a broker: the same topology and ~1 KB Avro
// records as bench/passthrough-node.ts, run by the real node runtime (TopicInput, the record
// path, RxJS stages, Avro, provenance headers, offset tracking), over a transport whose consumer
// hands out records made in memory and whose producer takes each message and drops it.
// librdkafka's work (fetching, batching, sending) and the broker's are left out on purpose: what
// remains is what vision-flow adds per record, measured without the broker's noise, so a change
// to the record path can be compared before/after in a few seconds (alternate runs; the minimum
// of several rounds is the steady figure).
//   npx tsx bench/record-path-cpu.ts                    200,000 records, 5 rounds
//   npx tsx bench/record-path-cpu.ts --records 500000 --rounds 8
import {
  AvroSerde, EMPTY_HEADERS, InMemorySchemaRegistry, MemoryTransport, TopologyRunner, avro,
  type ConsumerOptions, type DeliveryReport, type IncomingMessage, type OutgoingMessage, type RebalanceListener, type TopicPartition, type Transport, type TransportConsumer, type TransportProducer,
} from '@vision-flow/core';
import { PARTITIONS, Reading, input, passThrough } from './passthrough-topology.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Hands out `total` records of one value, round-robin over the partitions, then nothing. */
class MadeUpConsumer implements TransportConsumer {
  private next = 0;
  private readonly offsets = new Array<number>(PARTITIONS).fill(0);
  private readonly paused = new Set<number>();
  private topic = '';

  constructor(
    private readonly total: number,
    private readonly value: Buffer,
    private readonly keys: readonly Buffer[],
  ) {}

  async subscribe(topics: readonly string[], listener?: RebalanceListener): Promise<void> {
    this.topic = topics[0]!;
    await listener?.onAssigned?.(this.assignment());
  }

  async poll(max: number): Promise<IncomingMessage[]> {
    const out: IncomingMessage[] = [];
    for (let tries = 0; out.length < max && this.next < this.total && tries < max + PARTITIONS; tries++) {
      const partition = this.next % PARTITIONS;
      if (this.paused.has(partition)) continue;
      // A fresh object per message, as the binding makes; the key and value buffers are shared.
      out.push({ topic: this.topic, partition, offset: this.offsets[partition]!++, key: this.keys[this.next % this.keys.length]!, value: this.value, headers: EMPTY_HEADERS, timestamp: Date.now() });
      this.next++;
    }
    if (out.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    return out;
  }

  wakeup(): void {}
  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.paused.add(tp.partition);
  }
  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.paused.delete(tp.partition);
  }
  assignment(): TopicPartition[] {
    return Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: this.topic, partition }));
  }
  async commit(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Takes each message as the Kafka producer does in checkpoint mode (answered when taken), and drops it. */
class DroppingProducer implements TransportProducer {
  taken = 0;
  async send(msg: OutgoingMessage) {
    this.taken++;
    return { topic: msg.topic, partition: 0, offset: 0 };
  }
  produce(_msg: OutgoingMessage, onDelivery: (error: Error | undefined, report: DeliveryReport | undefined) => void): void {
    this.taken++;
    onDelivery(undefined, undefined);
  }
  async flush(): Promise<void> {}
  async checkpoint(): Promise<void> {}
  async durable(): Promise<void> {}
  async close(): Promise<void> {}
}

async function main(): Promise<void> {
  const records = arg('records', 200_000);
  const rounds = arg('rounds', 5);
  const registry = new InMemorySchemaRegistry();
  const serde = new AvroSerde(registry, 'bench.in-value', Reading);
  await serde.register();
  const keySerde = new AvroSerde(registry, 'bench.in-key', avro.string());
  await keySerde.register();
  const value = serde.encode({ id: 'r', sensor: 'camera-7', seq: 1, payload: Buffer.alloc(960, 7) });
  // Distinct keys, as in the Kafka bench: each output's trace id is derived from its own key.
  const keys = Array.from({ length: 100_000 }, (_, i) => keySerde.encode(`key-${i}`));
  const topics = new MemoryTransport(); // topic creation and metadata only: no record goes through it
  console.log(`${records.toLocaleString('en')} records of ${value.length} B Avro per round, ${rounds} rounds, no broker`);
  const perRecord: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const consumer = new MadeUpConsumer(records, value, keys);
    const producer = new DroppingProducer();
    const transport: Transport = {
      kind: 'kafka',
      address: 'made-up',
      admin: () => topics.admin(),
      producer: async () => producer,
      consumer: async (_opts: ConsumerOptions) => consumer,
      close: async () => undefined,
    };
    const runner = new TopologyRunner(passThrough(`cpu-${round}`), { transport, registry });
    await runner.start();
    const cpu = process.cpuUsage();
    const started = performance.now();
    while (producer.taken < records) await new Promise((resolve) => setTimeout(resolve, 2));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    await runner.stop('round done');
    const micros = (used.user + used.system) / records;
    perRecord.push(micros);
    console.log(`round ${round}: ${Math.round(records / seconds).toLocaleString('en')} records/s, ${micros.toFixed(2)} µs CPU/record`);
  }
  const steady = perRecord.length > 1 ? perRecord.slice(1) : perRecord;
  console.log(`node's own CPU per record (min of rounds after the first): ${Math.min(...steady).toFixed(2)} µs`);
}

await main();
