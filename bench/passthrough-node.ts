// A vision-flow pass-through node (consume → map → produce, ~1 KB Avro values through the schema
// registry, at-least-once commits) against the raw librdkafka consume → produce → commit loop on the
// same broker and the same topic layout, run before and after the node. The raw loop runs both ways
// of knowing its batch is durable before committing: a delivery report per message, and Kafka
// Streams' flush before commit (the node's way). Prints the rates and the ratio to the fastest raw
// run (target ≥ 0.8).
//   bash scripts/stack.sh start && eval "$(bash scripts/stack.sh env)"
//   npx tsx bench/passthrough-node.ts                       1,000,000 records
//   npx tsx bench/passthrough-node.ts --messages 200000     quicker
// Also: --threads (CPU seconds per thread of each phase), --max-in-flight N, --linger MS (producer linger.ms),
// --skip-raw (node only, e.g. under `node --cpu-prof --import tsx`), --raw-avro (also the raw loop doing
// the node's Avro work, for context), --latency (each record's time from
// poll to its acknowledged output, p50/p99: with the in-flight limit it bounds the rate).
// Each rate comes with the CPU this process spent per record (JS and librdkafka threads): on these
// shared 2-core machines it is steadier than the rate.
import { randomUUID } from 'node:crypto';
import avsc from 'avsc';
import { map } from 'rxjs';
import {
  AvroSerde, ConfluentSchemaRegistry, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, TopologyRunner, avro, toAvroJson, topic, topology, type Infer, type Rec,
} from '@vision-flow/core';
import { brokerCpu, cpuPerRecord, cpuSecondsSince, fillTopic, printThreadCpu, rawPassthrough, threadCpu, type PassthroughResult } from './raw-passthrough.js';

const PARTITIONS = 6;

const Reading = avro.record('bench.Reading', { id: avro.string(), sensor: avro.string(), seq: avro.long(), payload: avro.bytes() });
const input = topic('bench.in', { value: Reading, partitions: PARTITIONS });
const output = topic('bench.out', { value: Reading, partitions: PARTITIONS });

const passThrough = topology('passthrough').node('pass', (n) =>
  n.from(input).pipe(map((r: Rec<string, Infer<typeof Reading>>) => r.withValue({ ...r.value, sensor: r.value.sensor.toUpperCase() }))).to(output), arg('max-in-flight') ? { maxInFlight: Number(arg('max-in-flight')) } : {}
);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function totalEnd(transport: NamespacedTransport, name: string): Promise<number> {
  return (await transport.admin().endOffsets(name)).reduce((n, o) => n + o.offset, 0);
}

async function main(): Promise<void> {
  const brokers = arg('brokers') ?? process.env['VF_BROKERS'] ?? '127.0.0.1:9092';
  const registryUrl = arg('registry') ?? process.env['VF_REGISTRY'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
  const messages = Number(arg('messages') ?? 1_000_000);
  const ns = `bench-${randomUUID().slice(0, 8)}`;
  const transport = new NamespacedTransport(await KafkaTransport.connect({ brokers, clientId: 'bench-passthrough', ...(arg('linger') ? { librdkafka: { 'linger.ms': Number(arg('linger')) } } : {}) }), ns);
  const registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: registryUrl }), ns);
  const rawOut = 'bench.raw-out';
  await transport.admin().createTopics([input, output, { name: rawOut, partitions: PARTITIONS }].map((t) => ({ name: t.name, partitions: t.partitions })));

  // One ~1 KB Avro value in the Confluent wire format, written once per record with distinct keys.
  const serde = new AvroSerde(registry, 'bench.in-value', Reading);
  await serde.register();
  const value = serde.encode({ id: 'r', sensor: 'camera-7', seq: 1, payload: Buffer.alloc(960, 7) });
  const keySerde = new AvroSerde(registry, 'bench.in-key', avro.string());
  await keySerde.register();
  console.log(`brokers ${brokers}, registry ${registryUrl}, ${messages.toLocaleString('en')} records of ${value.length} B Avro in ${PARTITIONS} partitions (namespace ${ns})`);
  print(await fillTopic(brokers, transport.outer(input.name), messages, value, (i) => keySerde.encode(`key-${i}`)));

  const threads = process.argv.includes('--threads');
  let before = threadCpu();
  let brokerBefore = brokerCpu();
  const rawRuns: PassthroughResult[] = [];
  const rawLoop = async (acks: 'each' | 'flush') => {
    const r = await rawPassthrough({ brokers, inputTopic: transport.outer(input.name), outputTopic: transport.outer(rawOut), messages, acks });
    rawRuns.push(r);
    return r;
  };
  const raw = process.argv.includes('--skip-raw') ? undefined : await rawLoop('each');
  if (raw) print(raw);
  if (raw) print(await rawLoop('flush'));
  if (threads && raw) printThreadCpu('both raw loops', before, threadCpu());
  if (raw) printBrokerCpu('raw loops', brokerBefore, messages * rawRuns.length);
  // For context, not the target: the same raw loop doing the node's Avro work (Confluent framing,
  // avsc decode, the same map, encode), to show how much of the gap is the Avro itself.
  const rawAvro = raw && process.argv.includes('--raw-avro')
    ? await rawPassthrough({ brokers, inputTopic: transport.outer(input.name), outputTopic: transport.outer(rawOut), messages, transform: { name: 'Avro decode → map → encode (avsc)', value: avroMap(serde.id!) } })
    : undefined;
  if (rawAvro) print(rawAvro);
  before = threadCpu();
  brokerBefore = brokerCpu();

  const runner = new TopologyRunner(passThrough, { transport, registry });
  const latencies: number[] = [];
  if (process.argv.includes('--latency')) runner.emitter.on('node.record_processed', (e) => void latencies.push(e.payload.durationMs));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  await runner.start();
  let last = 0;
  for (;;) {
    const done = await totalEnd(transport, output.name);
    const lag = (await transport.admin().committedOffsets('passthrough.pass', input.name)).reduce((n, o) => n + o.offset, 0);
    if (done >= messages && lag >= messages) break;
    if (runner.stats().some((s) => s.state === 'failed')) throw new Error('the pass-through node failed');
    if (performance.now() - last > 1000) {
      last = performance.now();
      console.log(`  vision-flow node: ${done.toLocaleString("en")} written, ${lag.toLocaleString("en")} committed, ${runner.stats()[0]?.inFlight ?? 0} in flight`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  if (threads) printThreadCpu('vision-flow node', before, threadCpu());
  if (threads) console.log(`  event loop busy (not waiting for I/O): ${(performance.eventLoopUtilization(elu).utilization * 100).toFixed(0)} % of the node's run`);
  printBrokerCpu('vision-flow node', brokerBefore, messages);
  if (latencies.length > 0) {
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    console.log(`  record latency (poll → output acknowledged): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
  }
  await runner.stop('bench done');
  const node: PassthroughResult = { api: 'vision-flow node (decode → map → encode, Avro)', messages, seconds, messagesPerSecond: messages / seconds, cpuSeconds };
  // The raw loops again, after the node: the broker (a JVM) may still have been warming up the first
  // time. The ratio takes the fastest raw run, so a slow first one cannot flatter the node.
  if (raw) {
    for (const acks of ['flush', 'each'] as const) {
      const again = await rawLoop(acks);
      print({ ...again, api: `${again.api} (again, after the node)` });
    }
  }
  const baseline = rawRuns.reduce<PassthroughResult | undefined>((best, r) => (!best || r.messagesPerSecond > best.messagesPerSecond ? r : best), undefined);
  print(node, baseline);
  if (baseline) console.log(`ratio vision-flow / raw librdkafka (the fastest of ${rawRuns.length} raw runs: ${baseline.api}): ${(node.messagesPerSecond / baseline.messagesPerSecond).toFixed(2)} (target ≥ 0.80)`);
  await transport.admin().deleteTopics([input.name, output.name, rawOut]);
  await transport.close();
}

/** The node's work on a raw Confluent Avro value, done directly with avsc. */
function avroMap(schemaId: number): (value: Buffer) => Buffer {
  const type = avsc.Type.forSchema(toAvroJson(Reading) as avsc.Schema);
  return (value) => {
    const r = type.fromBuffer(value.subarray(5)) as Infer<typeof Reading>;
    const body = type.toBuffer({ ...r, sensor: r.sensor.toUpperCase() });
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = 0;
    out.writeUInt32BE(schemaId, 1);
    body.copy(out, 5);
    return out;
  };
}

/** The broker's CPU per record moved in a phase, when the broker is the local stack's. */
function printBrokerCpu(label: string, before: number | undefined, messages: number): void {
  const after = brokerCpu();
  if (before !== undefined && after !== undefined) console.log(`  broker CPU, ${label}: ${(((after - before) * 1e6) / messages).toFixed(1)} µs/record`);
}

function print(r: PassthroughResult, baseline?: PassthroughResult): void {
  const ratio = baseline ? `  ${(r.messagesPerSecond / baseline.messagesPerSecond).toFixed(2)}× raw` : '';
  console.log(`${r.api.padEnd(52)} ${Math.round(r.messagesPerSecond).toLocaleString('en').padStart(9)} msg/s  (${r.messages.toLocaleString('en')} in ${r.seconds.toFixed(2)} s${cpuPerRecord(r)})${ratio}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
