// The RAW Kafka baseline: how fast can a plain librdkafka loop move records from one topic to another
// with at-least-once semantics (consume a batch → produce every record → wait for all delivery
// reports → commit)? A topology benchmark divides its own rate by this one.
//   npx tsx bench/raw-passthrough.ts                              1,000,000 × ~1 KB, every API below
//   npx tsx bench/raw-passthrough.ts --messages 200000 --apis native,kafkajs
// Options: --brokers host:port (default $VF_BROKERS or 127.0.0.1:9092), --messages N, --value-bytes B,
// --batch N (records per consume), --apis native,kafkajs,kafkajs-concurrent,transport, --rounds R (each API
// R times, in alternating order, medians reported; default 1), --keep (keep topics).
//   native              @confluentinc/kafka-javascript native API: consume(n), produce + dr_cb, commitSync
//   kafkajs             the same package's KafkaJS-compatible API: eachBatch, send(), commitOffsets()
//   kafkajs-concurrent  the same with partitionsConsumedConcurrently = partitions
//   transport           vision-flow's KafkaTransport (poll / send / commit), for its own overhead
// Settings are the transport's own (kafka-config.ts: idempotent acks=all producer, linger 5 ms,
// cooperative consumer with bounded prefetch), so only the API on top differs.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import rdkafka, { type LibrdKafkaError, type Message } from '@confluentinc/kafka-javascript';
import { KafkaTransport, type KafkaTransportOptions } from '@vision-flow/core';
import { consumerConfig, producerConfig } from '@vision-flow/core/testing';

export interface PassthroughOptions {
  readonly brokers: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** Records to move; the input topic must hold at least this many. */
  readonly messages: number;
  /** Records per consume call (default 1000). */
  readonly batch?: number;
  /** Consumer group; a fresh one by default, so the input is read from the start. */
  readonly groupId?: string;
  /** Rewrites each value on its way (e.g. Avro decode → map → encode); the loop's name says so. */
  readonly transform?: { readonly name: string; readonly value: (value: Buffer) => Buffer };
  /**
   * How the loop learns its batch is durable before committing: `each` (default) counts one delivery
   * report per message; `flush` asks librdkafka for reports of failures only and flushes the producer
   * before each commit (Kafka Streams' protocol).
   */
  readonly acks?: 'each' | 'flush';
  /** Read these input partitions (assign) instead of joining the group's rebalances (subscribe); one replica's share. */
  readonly partitions?: readonly number[];
  /** Ends the loop before `messages` (a replica moves its share of them, then is told to stop). */
  readonly stop?: AbortSignal;
}

export interface PassthroughResult {
  readonly api: string;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** CPU time this process used (all its threads: JS and librdkafka's), in seconds; for the cost per record. */
  readonly cpuSeconds?: number;
}

/** CPU seconds per thread name (Linux /proc), summed over threads of the same name; for `--threads`. */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = Number(tid) === process.pid ? 'main (JS)' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / tick);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds the local Kafka broker (scripts/stack.sh's, found by its pid file) has used, or
 * undefined without one. Both programs share two cores with it, so its cost per record matters.
 */
export function brokerCpu(): number | undefined {
  const stackDir = process.env['VF_STACK_DIR'] ?? fileURLToPath(new URL('../.stack', import.meta.url));
  try {
    return processCpu(readFileSync(`${stackDir}/run/kafka.pid`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, every thread) process `pid` has used so far, from Linux /proc; undefined once it is gone. */
export function processCpu(pid: number | string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Prints, per thread name, the CPU seconds used between two `threadCpu()` snapshots. */
export function printThreadCpu(label: string, before: Map<string, number>, after: Map<string, number>): void {
  const rows = [...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const).filter(([, s]) => s > 0.05).sort((a, b) => b[1] - a[1]);
  console.log(`  CPU by thread, ${label}: ${rows.map(([n, s]) => `${n} ${s.toFixed(2)} s`).join(', ')}`);
}

/** CPU seconds (user + system, every thread) this process has used since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

const { KafkaJS } = rdkafka; // CommonJS package: named exports only through its default export
const QUEUE_FULL = rdkafka.CODES.ERRORS.ERR__QUEUE_FULL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const transportOptions = (brokers: string): KafkaTransportOptions => ({ brokers, clientId: 'bench-raw' });

/**
 * The native consume → produce → delivery reports → commitSync loop, timed from the first record
 * consumed to the last commit. This is the number other benchmarks compare against.
 */
export async function rawPassthrough(opts: PassthroughOptions): Promise<PassthroughResult> {
  const batchSize = opts.batch ?? 1000;
  const cfg = consumerConfig(transportOptions(opts.brokers), { groupId: opts.groupId ?? `bench-raw-${randomUUID().slice(0, 8)}` });
  const consumer = new rdkafka.KafkaConsumer({ ...cfg.global, rebalance_cb: true }, cfg.topic);
  const flush = opts.acks === 'flush';
  const producer = new rdkafka.Producer({ ...producerConfig(transportOptions(opts.brokers)), ...(flush ? { 'delivery.report.only.error': true } : {}) });
  await Promise.all([connect(consumer), connect(producer)]);
  producer.setPollInBackground(true);
  (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.setDefaultConsumeTimeout(100);

  // One counter per batch rides along as the opaque of its messages.
  interface Batch { left: number; failed?: LibrdKafkaError; done: () => void }
  let failed: LibrdKafkaError | undefined; // with acks 'flush': any failure report since the last flush
  producer.on('delivery-report', (err, report) => {
    if (flush) {
      failed ??= err ?? undefined;
      return;
    }
    const b = report.opaque as Batch;
    if (err) b.failed = err;
    if (--b.left === 0) b.done();
  });

  if (opts.partitions) consumer.assign(opts.partitions.map((partition) => ({ topic: opts.inputTopic, partition })));
  else consumer.subscribe([opts.inputTopic]);
  let moved = 0;
  let started = 0;
  let cpu = process.cpuUsage();
  while (moved < opts.messages && !opts.stop?.aborted) {
    const msgs = await new Promise<Message[]>((resolve, reject) => consumer.consume(batchSize, (e, m) => (e ? reject(e) : resolve(m))));
    if (msgs.length === 0) continue;
    if (!started) {
      started = performance.now();
      cpu = process.cpuUsage();
    }
    const transform = opts.transform?.value;
    if (flush) {
      for (const m of msgs) produceWithRetry(producer, opts.outputTopic, transform && m.value ? transform(m.value) : m.value, m.key ?? null, m.timestamp ?? null, undefined);
      await new Promise<void>((resolve, reject) => producer.flush(30_000, (e) => (e ? reject(e) : resolve())));
      if (failed) throw failed;
    } else {
      await new Promise<void>((resolve, reject) => {
        const batch: Batch = { left: msgs.length, done: () => (batch.failed ? reject(batch.failed) : resolve()) };
        for (const m of msgs) produceWithRetry(producer, opts.outputTopic, transform && m.value ? transform(m.value) : m.value, m.key ?? null, m.timestamp ?? null, batch);
      });
    }
    const next = new Map<number, number>();
    for (const m of msgs) next.set(m.partition, m.offset + 1);
    consumer.commitSync([...next].map(([partition, offset]) => ({ topic: opts.inputTopic, partition, offset })));
    moved += msgs.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  await Promise.all([disconnect(consumer), disconnect(producer)]);
  const api = `native${flush ? ' (flush before commit)' : ''}`;
  return { api: opts.transform ? `${api} + ${opts.transform.name}` : api, messages: moved, seconds, messagesPerSecond: moved / seconds, cpuSeconds };
}

/** The same loop on the KafkaJS-compatible API: eachBatch → send() → commitOffsets(). */
export async function kafkajsPassthrough(opts: PassthroughOptions & { concurrency?: number }): Promise<PassthroughResult> {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: opts.brokers.split(','), clientId: 'bench-raw-kafkajs', logLevel: KafkaJS.logLevel.ERROR } });
  const { global } = consumerConfig(transportOptions(opts.brokers), { groupId: 'unused' });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, 'linger.ms': 5, partitioner: 'murmur2_random', 'message.max.bytes': producerConfig(transportOptions(opts.brokers))['message.max.bytes'] });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: opts.groupId ?? `bench-kjs-${randomUUID().slice(0, 8)}`, fromBeginning: true, autoCommit: false, partitionAssigners: [KafkaJS.PartitionAssigners.cooperativeSticky] },
    'js.consumer.max.batch.size': opts.batch ?? 1000,
    'queued.max.messages.kbytes': global['queued.max.messages.kbytes'],
    'queued.min.messages': global['queued.min.messages'],
    'fetch.max.bytes': global['fetch.max.bytes'],
    'fetch.wait.max.ms': global['fetch.wait.max.ms'],
    'fetch.queue.backoff.ms': global['fetch.queue.backoff.ms'],
  });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [opts.inputTopic] });
  let moved = 0;
  let started = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  await consumer.run({
    partitionsConsumedConcurrently: opts.concurrency ?? 1,
    eachBatch: async ({ batch }) => {
      started ||= performance.now();
      await producer.send({ topic: opts.outputTopic, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })) });
      const last = batch.messages.at(-1);
      if (last) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
      moved += batch.messages.length;
      if (moved >= opts.messages) finish();
    },
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  const api = (opts.concurrency ?? 1) > 1 ? `kafkajs (eachBatch, ${opts.concurrency} partitions concurrently)` : 'kafkajs (eachBatch)';
  return { api, messages: moved, seconds, messagesPerSecond: moved / seconds };
}

/** The same loop on vision-flow's KafkaTransport: poll → send per record → await all → commit. */
export async function transportPassthrough(opts: PassthroughOptions): Promise<PassthroughResult> {
  const transport = await KafkaTransport.connect(transportOptions(opts.brokers));
  const consumer = await transport.consumer({ groupId: opts.groupId ?? `bench-vf-${randomUUID().slice(0, 8)}` });
  const producer = await transport.producer();
  await consumer.subscribe([opts.inputTopic]);
  let moved = 0;
  let started = 0;
  let cpu = process.cpuUsage();
  while (moved < opts.messages) {
    const msgs = await consumer.poll(opts.batch ?? 1000, 100);
    if (msgs.length === 0) continue;
    if (!started) {
      started = performance.now();
      cpu = process.cpuUsage();
    }
    await Promise.all(msgs.map((m) => producer.send({ topic: opts.outputTopic, key: m.key, value: m.value, timestamp: m.timestamp })));
    const next = new Map<number, number>();
    for (const m of msgs) next.set(m.partition, m.offset + 1);
    await consumer.commit([...next].map(([partition, offset]) => ({ topic: opts.inputTopic, partition, offset })));
    moved += msgs.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  await transport.close();
  return { api: 'vision-flow KafkaTransport', messages: moved, seconds, messagesPerSecond: moved / seconds, cpuSeconds };
}

/** Fills `topic` with `messages` records of `value` (or that many filler bytes) and distinct keys. */
export async function fillTopic(
  brokers: string, topic: string, messages: number, valueBytes: number | Buffer = 1024, key: (i: number) => Buffer = (i) => Buffer.from(`key-${i}`),
  headers?: (i: number) => Array<{ [name: string]: string }>,
): Promise<PassthroughResult> {
  const producer = new rdkafka.Producer(producerConfig(transportOptions(brokers)));
  await connect(producer);
  producer.setPollInBackground(true);
  const value = Buffer.isBuffer(valueBytes) ? valueBytes : Buffer.alloc(valueBytes, 'vision-flow ');
  const state = { left: messages, failed: undefined as LibrdKafkaError | undefined, done: () => undefined as void };
  const done = new Promise<void>((resolve, reject) => (state.done = () => (state.failed ? reject(state.failed) : resolve())));
  producer.on('delivery-report', (err) => {
    if (err) state.failed = err;
    if (--state.left === 0) state.done();
  });
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const h = headers?.(i);
    while (!tryProduce(producer, topic, value, key(i), null, state, h)) await sleep(2);
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await disconnect(producer);
  return { api: 'fill (native produce)', messages, seconds, messagesPerSecond: messages / seconds };
}

function tryProduce(p: InstanceType<typeof rdkafka.Producer>, topic: string, value: Buffer | null, key: Buffer | string | null, ts: number | null, opaque: unknown, headers?: Array<{ [name: string]: string }>): boolean {
  try {
    p.produce(topic, null, value, key, ts, opaque, headers);
    return true;
  } catch (e) {
    if ((e as LibrdKafkaError).code === QUEUE_FULL) return false;
    throw e;
  }
}

/** produce() that waits out a full local queue; records keep their order because the loop is synchronous until it fits. */
function produceWithRetry(p: InstanceType<typeof rdkafka.Producer>, topic: string, value: Buffer | null, key: Buffer | string | null, ts: number | null, opaque: unknown): void {
  while (!tryProduce(p, topic, value, key, ts, opaque)) p.poll();
}

function connect(c: InstanceType<typeof rdkafka.Producer> | InstanceType<typeof rdkafka.KafkaConsumer>): Promise<void> {
  return new Promise((resolve, reject) => c.connect({ timeout: 10_000 }, (e) => (e ? reject(e) : resolve())));
}

function disconnect(c: InstanceType<typeof rdkafka.Producer> | InstanceType<typeof rdkafka.KafkaConsumer>): Promise<void> {
  return new Promise((resolve) => c.disconnect(() => resolve()));
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const brokers = arg('brokers') ?? process.env['VF_BROKERS'] ?? '127.0.0.1:9092';
  const messages = Number(arg('messages') ?? 1_000_000);
  const valueBytes = Number(arg('value-bytes') ?? 1024);
  const batch = Number(arg('batch') ?? 1000);
  const apis = (arg('apis') ?? 'native,kafkajs,kafkajs-concurrent,transport').split(',');
  const partitions = 6;
  const id = randomUUID().slice(0, 8);
  const inputTopic = `bench-raw-in-${id}`;

  const transport = await KafkaTransport.connect(transportOptions(brokers));
  const admin = transport.admin();
  const topics = [inputTopic, ...apis.map((a) => `bench-raw-out-${a}-${id}`)];
  await admin.createTopics(topics.map((name) => ({ name, partitions })));
  console.log(`brokers ${brokers}, ${messages.toLocaleString('en')} records of ${valueBytes} B in ${partitions} partitions, batches of ${batch}, librdkafka ${rdkafka.librdkafkaVersion}`);
  const fill = await fillTopic(brokers, inputTopic, messages, valueBytes);
  print(fill);

  const rounds = Number(arg('rounds') ?? 1);
  const byApi = new Map<string, PassthroughResult[]>();
  for (let round = 0; round < rounds; round++) {
    // Every other round runs the APIs in reverse, so warm caches or a tiring broker favour none of them.
    for (const api of round % 2 === 0 ? apis : [...apis].reverse()) {
      const o = { brokers, inputTopic, outputTopic: `bench-raw-out-${api}-${id}`, messages, batch };
      const r = api === 'native' ? await rawPassthrough(o)
        : api === 'native-flush' ? await rawPassthrough({ ...o, acks: 'flush' })
        : api === 'kafkajs' ? await kafkajsPassthrough(o)
        : api === 'kafkajs-concurrent' ? await kafkajsPassthrough({ ...o, concurrency: partitions })
        : api === 'transport' ? await transportPassthrough(o)
        : undefined;
      if (!r) throw new Error(`unknown api "${api}"; use native, kafkajs, kafkajs-concurrent or transport`);
      byApi.set(api, [...(byApi.get(api) ?? []), r]);
      print(r);
    }
  }
  if (rounds > 1) {
    console.log(`median of ${rounds} rounds:`);
    const medians = apis.map((api) => median(byApi.get(api)!));
    for (const r of medians) print(r, medians[0]);
  }
  if (!process.argv.includes('--keep')) await admin.deleteTopics(topics);
  await transport.close();
}

function median(rs: readonly PassthroughResult[]): PassthroughResult {
  const sorted = [...rs].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function print(r: PassthroughResult, baseline?: PassthroughResult): void {
  const ratio = baseline && baseline !== r ? `  ${(r.messagesPerSecond / baseline.messagesPerSecond).toFixed(2)}× ${baseline.api}` : '';
  console.log(`${r.api.padEnd(52)} ${Math.round(r.messagesPerSecond).toLocaleString('en').padStart(9)} msg/s  (${r.messages.toLocaleString('en')} in ${r.seconds.toFixed(2)} s${cpuPerRecord(r)})${ratio}`);
}

/** `, N µs CPU/record in this process` when the result measured its CPU. */
export function cpuPerRecord(r: PassthroughResult): string {
  return r.cpuSeconds === undefined ? '' : `, ${((r.cpuSeconds * 1e6) / r.messages).toFixed(1)} µs CPU/record in this process`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
