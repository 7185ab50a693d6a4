// A vision-flow pass-through node (consume → map → produce, ~1 KB Avro values through the schema
// registry, at-least-once commits) against, on the same broker and the same input records:
// - the raw librdkafka consume → produce → commit loop, both ways of knowing its batch is durable
//   before committing: a delivery report per message, and Kafka Streams' flush before commit (the
//   node's way); and both as N processes, each over its share of the partitions;
// - a Kafka Streams 4.x pass-through app (bench/kstreams-passthrough/: bytes in, bytes out,
//   at-least-once defaults, 2 stream threads).
// The node runs twice per round: as one process (one JS thread), and as N replica processes in one
// consumer group (default 2, as `vision-flow up --replicas pass=2` runs it): the way a vision-flow
// node uses a second core, as Kafka Streams does with its second stream thread.
// Each round runs all of them; every other round in reverse order. Prints each rate, from launch and
// from the first output record, and the ratios of the fastest of each kind: node / Kafka Streams
// (target ≥ 1.0) and node / the fastest raw run (target ≥ 0.8), for N processes (the main
// comparison: both sides use both cores) and for one. The raw ratio compares like with like: the
// raw loops are timed from their first output, so the node is too (and, for N processes, both from
// launch as a second figure).
//   bash scripts/stack.sh start && eval "$(bash scripts/stack.sh env)"
//   npx tsx bench/passthrough-node.ts                       1,000,000 records, 2 rounds
//   npx tsx bench/passthrough-node.ts --messages 200000 --rounds 1     quicker
// Also: --input-headers (inputs carry the provenance headers an upstream node writes),
// --threads (CPU seconds per thread of each phase), --replicas N (processes of the replicated runs;
// 0 leaves them out), --max-in-flight N, --linger MS (producer linger.ms),
// --skip-raw, --skip-kstreams (e.g. the node only, under `node --cpu-prof --import tsx`), --raw-avro (also
// the raw loop doing the node's Avro work, for context), --latency (each record's time from poll to its
// acknowledged output, p50/p99: with the in-flight limit it bounds the rate).
// Each rate comes with the CPU spent per record (JS and librdkafka threads; summed over the replicas
// for a replicated run): on these shared 2-core machines it is steadier than the rate.
import { createHash, randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import avsc from 'avsc';
import {
  AvroSerde, ConfluentSchemaRegistry, HeaderNames, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, TopologyRunner, avro, toAvroJson, type Infer,
} from '@vision-flow/core';
import { kstreamsPassthrough, timeUntilDone } from './kstreams-passthrough.js';
import { PARTITIONS, Reading, groupOf, input, output, passThrough } from './passthrough-topology.js';
import { brokerCpu, cpuPerRecord, cpuSecondsSince, fillTopic, printThreadCpu, rawPassthrough, threadCpu, type PassthroughResult } from './raw-passthrough.js';
import { Replicas, type ReplicaSpec } from './replicas.js';

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
  const ksOut = 'bench.kstreams-out';
  await transport.admin().createTopics([input, output, { name: rawOut, partitions: PARTITIONS }, { name: ksOut, partitions: PARTITIONS }].map((t) => ({ name: t.name, partitions: t.partitions })));

  // One ~1 KB Avro value in the Confluent wire format, written once per record with distinct keys.
  const serde = new AvroSerde(registry, 'bench.in-value', Reading);
  await serde.register();
  const value = serde.encode({ id: 'r', sensor: 'camera-7', seq: 1, payload: Buffer.alloc(960, 7) });
  const keySerde = new AvroSerde(registry, 'bench.in-key', avro.string());
  await keySerde.register();
  console.log(`brokers ${brokers}, registry ${registryUrl}, ${messages.toLocaleString('en')} records of ${value.length} B Avro in ${PARTITIONS} partitions (namespace ${ns})`);
  // --input-headers: each input carries the provenance an upstream vision-flow node writes, as every
  // node but a topology's first reads it (the node then continues the input's trace instead of deriving one).
  const inputHeaders = process.argv.includes('--input-headers')
    ? (i: number): Array<{ [name: string]: string }> => [{ [HeaderNames.origin]: `${ns}.bench.upstream/${i % PARTITIONS}/${i}` }, { [HeaderNames.traceparent]: `00-${createHash('sha256').update(`key-${i}`).digest('hex').slice(0, 32)}-00f067aa0ba902b7-01` }]
    : undefined;
  if (inputHeaders) console.log('inputs carry provenance headers (origin, traceparent), as a downstream node reads them');
  print(await fillTopic(brokers, transport.outer(input.name), messages, value, (i) => keySerde.encode(`key-${i}`), inputHeaders));

  const threads = process.argv.includes('--threads');
  const rounds = Number(arg('rounds') ?? 2);
  const replicas = Number(arg('replicas') ?? 2);
  const maxInFlight = arg('max-in-flight') ? Number(arg('max-in-flight')) : undefined;
  const linger = arg('linger') ? Number(arg('linger')) : undefined;
  const kinds = ['raw', 'rawN', 'rawNLaunch', 'kstreams', 'kstreamsFirst', 'node', 'nodeFirst', 'nodeN', 'nodeNFirst'] as const;
  const results = Object.fromEntries(kinds.map((k) => [k, []])) as unknown as { [kind in (typeof kinds)[number]]: PassthroughResult[] };
  const perRound: string[] = [];

  const rawLoop = async (acks: 'each' | 'flush') => {
    const before = threadCpu();
    const brokerBefore = brokerCpu();
    const r = await rawPassthrough({ brokers, inputTopic: transport.outer(input.name), outputTopic: transport.outer(rawOut), messages, acks });
    if (threads) printThreadCpu(r.api, before, threadCpu());
    printBrokerCpu(r.api, brokerBefore, messages);
    results.raw.push(r);
    print(r);
  };
  // The raw loop (both ways) as `replicas` processes, each assigned every replicas-th partition (no
  // group rebalances: the most favourable raw split). Timed from its first output record, as the
  // one-process loop is from its first consumed record.
  const rawReplicated = async (round: number, acks: 'each' | 'flush') => {
    const brokerBefore = brokerCpu();
    const group = `bench-raw-x${replicas}-${round}-${randomUUID().slice(0, 8)}`;
    const specs: ReplicaSpec[] = Array.from({ length: replicas }, (_, i) => ({
      kind: 'raw', brokers, name: transport.outer(group), inputTopic: transport.outer(input.name), outputTopic: transport.outer(rawOut), acks,
      partitions: Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % replicas === i),
    }));
    const label = `native${acks === 'flush' ? ' (flush before commit)' : ''}, ${replicas} processes`;
    const timed = await timeReplicas(label, specs, rawOut, async () => (await transport.admin().committedOffsets(group, input.name)).reduce((n, o) => n + o.offset, 0));
    printBrokerCpu(label, brokerBefore, messages);
    results.rawN.push(timed.fromFirstOutput);
    results.rawNLaunch.push(timed.fromLaunch);
    results.raw.push(timed.fromFirstOutput);
    print(timed.fromLaunch);
    print(timed.fromFirstOutput);
  };
  // Launches `specs` as processes and times them until `committed()` and the output topic both reach `messages`.
  const timeReplicas = async (label: string, specs: readonly ReplicaSpec[], out: string, committed: () => Promise<number>) => {
    const start = await totalEnd(transport, out);
    const launched = performance.now();
    const running = new Replicas(specs);
    const progress = async () => {
      const written = (await totalEnd(transport, out)) - start;
      return { written, done: Math.min(written, await committed()) };
    };
    try {
      const timed = await timeUntilDone(label, messages, progress, () => running.failed(), launched);
      const cost = await running.stop();
      if (threads) printThreadCpu(label, new Map(), new Map(cost.threads));
      if (threads) console.log(`  event loop busy (not waiting for I/O): ${(cost.eventLoopBusy * 100).toFixed(0)} % on average over the ${specs.length} processes; garbage collection ${cost.gcSeconds.toFixed(2)} s (all processes)`);
      return { fromLaunch: { ...timed.fromLaunch, cpuSeconds: cost.cpuSeconds }, fromFirstOutput: { ...timed.fromFirstOutput, cpuSeconds: cost.cpuSeconds } };
    } catch (e) {
      await running.stop().catch(() => undefined);
      throw e;
    }
  };
  const kstreamsRun = async () => {
    const brokerBefore = brokerCpu();
    const start = await totalEnd(transport, ksOut);
    const k = await kstreamsPassthrough({ brokers, inputTopic: transport.outer(input.name), outputTopic: transport.outer(ksOut), messages, written: async () => (await totalEnd(transport, ksOut)) - start });
    printBrokerCpu('Kafka Streams', brokerBefore, messages);
    results.kstreams.push(k.fromLaunch);
    results.kstreamsFirst.push(k.fromFirstOutput);
    print(k.fromLaunch);
    print(k.fromFirstOutput);
  };
  const nodeRun = async (round: number) => {
    const before = threadCpu();
    const brokerBefore = brokerCpu();
    const name = `passthrough-${round}`;
    const runner = new TopologyRunner(passThrough(name, maxInFlight), { transport, registry });
    const latencies: number[] = [];
    if (process.argv.includes('--latency')) runner.emitter.on('node.record_processed', (e) => void latencies.push(e.payload.durationMs));
    const start = await totalEnd(transport, output.name);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    let gcMs = 0;
    const gc = new PerformanceObserver((list) => void list.getEntries().forEach((e) => (gcMs += e.duration)));
    gc.observe({ entryTypes: ['gc'] });
    await runner.start();
    // A record is done once written and its input offset committed (at-least-once); stricter than the peer's "written".
    const progress = async () => {
      const written = (await totalEnd(transport, output.name)) - start;
      const committed = (await transport.admin().committedOffsets(groupOf(name), input.name)).reduce((n, o) => n + o.offset, 0);
      return { written, done: Math.min(written, committed) };
    };
    const failed = () => (runner.stats().some((s) => s.state === 'failed') ? 'the node failed' : undefined);
    const timed = await timeUntilDone('vision-flow node (decode → map → encode, Avro)', messages, progress, failed, started);
    const cpuSeconds = cpuSecondsSince(cpu);
    if (threads) printThreadCpu('vision-flow node', before, threadCpu());
    gc.disconnect();
    if (threads) console.log(`  event loop busy (not waiting for I/O): ${(performance.eventLoopUtilization(elu).utilization * 100).toFixed(0)} % of the node's run; garbage collection ${(gcMs / 1000).toFixed(2)} s`);
    printBrokerCpu('vision-flow node', brokerBefore, messages);
    if (latencies.length > 0) {
      latencies.sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
      console.log(`  record latency (poll → output acknowledged): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
    }
    await runner.stop('bench done');
    results.node.push({ ...timed.fromLaunch, cpuSeconds });
    results.nodeFirst.push(timed.fromFirstOutput);
    print({ ...timed.fromLaunch, cpuSeconds });
    print(timed.fromFirstOutput);
  };
  // The same node as `replicas` processes in one consumer group (`vision-flow up --replicas pass=N`).
  const nodeReplicated = async (round: number) => {
    const brokerBefore = brokerCpu();
    const name = `passthrough-${round}-x${replicas}`;
    const specs: ReplicaSpec[] = Array.from({ length: replicas }, () => ({ kind: 'node', brokers, name, registry: registryUrl, namespace: ns, maxInFlight, linger }));
    const label = `vision-flow node, ${replicas} processes (replicas, one group)`;
    const timed = await timeReplicas(label, specs, output.name, async () => (await transport.admin().committedOffsets(groupOf(name), input.name)).reduce((n, o) => n + o.offset, 0));
    printBrokerCpu(label, brokerBefore, messages);
    results.nodeN.push(timed.fromLaunch);
    results.nodeNFirst.push(timed.fromFirstOutput);
    print(timed.fromLaunch);
    print(timed.fromFirstOutput);
  };

  // Every other round runs the phases in reverse (raw, Kafka Streams, node; then node, Kafka Streams,
  // raw), so a broker still warming up or a neighbour's burst of load favours none of them.
  const phases: Array<(round: number) => Promise<void>> = [
    ...(process.argv.includes('--skip-raw') ? [] : [() => rawLoop('each'), () => rawLoop('flush'), ...(replicas > 0 ? [(round: number) => rawReplicated(round, 'each'), (round: number) => rawReplicated(round, 'flush')] : [])]),
    ...(process.argv.includes('--skip-kstreams') ? [] : [() => kstreamsRun()]),
    (round) => nodeRun(round),
    ...(replicas > 0 ? [nodeReplicated] : []),
  ];
  for (let round = 1; round <= rounds; round++) {
    console.log(`--- round ${round} of ${rounds}`);
    const from = { raw: results.raw.length, kstreams: results.kstreams.length, nodeN: results.nodeN.length };
    for (const phase of round % 2 === 1 ? phases : [...phases].reverse()) await phase(round);
    const ks = results.kstreams.slice(from.kstreams)[0];
    const ksFirst = results.kstreamsFirst.slice(from.kstreams)[0];
    const raw = best(results.raw.slice(from.raw));
    // The raw loops are timed from their first output (the one-process loop runs in this process): the node too, for this ratio.
    const line = (what: string, node: PassthroughResult | undefined, nodeFirst: PassthroughResult | undefined) =>
      node && nodeFirst ? `round ${round}, ${what}: / Kafka Streams ${ks ? ratio(node, ks) : '-'} (from launch), ${ksFirst ? ratio(nodeFirst, ksFirst) : '-'} (from first output); / fastest raw ${raw ? ratio(nodeFirst, raw) : '-'} (from first output)` : undefined;
    for (const l of [line(`node, ${replicas} processes`, results.nodeN.slice(from.nodeN)[0], results.nodeNFirst.slice(from.nodeN)[0]), line('node, 1 process', results.node.at(-1), results.nodeFirst.at(-1))]) if (l) perRound.push(l);
  }
  // For context, not the target: the same raw loop doing the node's Avro work (Confluent framing,
  // avsc decode, the same map, encode), to show how much of the gap is the Avro itself.
  if (process.argv.includes('--raw-avro')) {
    print(await rawPassthrough({ brokers, inputTopic: transport.outer(input.name), outputTopic: transport.outer(rawOut), messages, transform: { name: 'Avro decode → map → encode (avsc)', value: avroMap(serde.id!) } }));
  }

  // Each kind's fastest run: a slow run (a neighbour's load) can then flatter none of them.
  console.log(`--- the fastest of each kind over ${rounds} round(s)`);
  const [ks, ksFirst, raw, rawN] = [best(results.kstreams), best(results.kstreamsFirst), best(results.raw), best(results.rawN)];
  const [node, nodeFirst, nodeN, nodeNFirst] = [best(results.node), best(results.nodeFirst), best(results.nodeN), best(results.nodeNFirst)];
  const raw1 = best(results.raw.filter((r) => !results.rawN.includes(r)));
  for (const r of [ks, ksFirst, raw1, rawN, nodeN, nodeNFirst, node, nodeFirst]) if (r) print(r);
  for (const l of perRound) console.log(l);
  if (nodeN && nodeNFirst && ks && ksFirst) {
    console.log(`MAIN ratio vision-flow node, ${replicas} processes / Kafka Streams, 2 threads: from launch ${ratio(nodeN, ks)}, from first output ${ratio(nodeNFirst, ksFirst)} (target ≥ 1.00)`);
  }
  // Like with like: the raw runs are timed from their first output, so is the node here; from launch, both as processes of their own.
  const rawNLaunch = best(results.rawNLaunch);
  if (nodeNFirst && raw) {
    console.log(`MAIN ratio vision-flow node, ${replicas} processes / fastest raw librdkafka loop (of ${results.raw.length} runs, 1 and ${replicas} processes: ${raw.api}): from first output ${ratio(nodeNFirst, raw)} (target ≥ 0.80)` +
      (nodeN && rawNLaunch ? `; from launch, both ${replicas} processes: ${ratio(nodeN, rawNLaunch)}` : ''));
  }
  if (node && nodeFirst && ks && ksFirst) {
    console.log(`ratio vision-flow node, 1 process / Kafka Streams, 2 threads: from launch ${ratio(node, ks)}, from first output ${ratio(nodeFirst, ksFirst)}`);
  }
  if (nodeFirst && raw1) console.log(`ratio vision-flow node, 1 process / fastest 1-process raw loop (${raw1.api}), from first output: ${ratio(nodeFirst, raw1)}`);
  // CPU per record moves less with the neighbours' load than the rates do (as the vision bench's CPU per image).
  const [ksCpu, nodeNCpu, nodeCpu] = [meanCpuPerRecord(results.kstreams), meanCpuPerRecord(results.nodeN), meanCpuPerRecord(results.node)];
  if (ksCpu !== undefined && (nodeNCpu !== undefined || nodeCpu !== undefined)) {
    const vs = (ours: number | undefined, label: string) => (ours === undefined ? [] : [`${label} ${ours.toFixed(1)} µs (Kafka Streams / ${label}: ${(ksCpu / ours).toFixed(2)})`]);
    console.log(`CPU per record, each side's own processes from launch (the broker left out; mean of ${rounds} round(s)): Kafka Streams, 2 threads ${ksCpu.toFixed(1)} µs; ` +
      [...vs(nodeNCpu, `node ×${replicas}`), ...vs(nodeCpu, 'node ×1 (its runner only)')].join('; ') + ' (above 1: the node uses less CPU per record)');
  }
  await transport.admin().deleteTopics([input.name, output.name, rawOut, ksOut]);
  await transport.close();
}

/** Mean CPU microseconds per record over the runs that report their CPU; undefined when none does. */
function meanCpuPerRecord(rs: readonly PassthroughResult[]): number | undefined {
  const known = rs.filter((r) => r.cpuSeconds !== undefined);
  return known.length === 0 ? undefined : known.reduce((sum, r) => sum + (r.cpuSeconds! * 1e6) / r.messages, 0) / known.length;
}

function best(rs: readonly PassthroughResult[]): PassthroughResult | undefined {
  return rs.reduce<PassthroughResult | undefined>((b, r) => (!b || r.messagesPerSecond > b.messagesPerSecond ? r : b), undefined);
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

function ratio(a: PassthroughResult, b: PassthroughResult): string {
  return (a.messagesPerSecond / b.messagesPerSecond).toFixed(2);
}

function print(r: PassthroughResult): void {
  console.log(`${r.api.padEnd(66)} ${Math.round(r.messagesPerSecond).toLocaleString('en').padStart(9)} msg/s  (${r.messages.toLocaleString('en')} in ${r.seconds.toFixed(2)} s${cpuPerRecord(r)})`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
