import type { Params } from '../dsl/operator-context.js';
import type { AnyTopic, Topic } from '../dsl/topic.js';
import type { Topology } from '../dsl/topology.js';
import { outputTopics } from '../dsl/node-stream.js';
import { ConfigError } from '../errors/config-error.js';
import { deadLetterTopic } from '../runtime/dead-letter.js';
import { TopologyRunner } from '../runtime/topology-runner.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { TopicSerde } from '../serde/topic-serde.js';
import type { KeyValueStore, ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { StoreBuilder } from '../state/state-store.js';
import type { ReadOnlyWindowStore, WindowStore } from '../state/window-store.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { TransportProducer } from '../transport/transport.js';
import { KeyValueStoreView } from './key-value-store-view.js';
import { OutputCapture, type CaptureDecoder } from './output-capture.js';
import { Quiescence } from './quiescence.js';
import { toTestDeadLetter, type TestDeadLetter } from './test-dead-letter.js';
import { TestInputTopic } from './test-input-topic.js';
import { TestOutputTopic } from './test-output-topic.js';
import { VirtualWallClock } from './virtual-wall-clock.js';
import { WindowStoreView } from './window-store-view.js';

export interface TestDriverOptions {
  /**
   * The nodes to run; default every node that reads topics. Source nodes (directories, HTTP) are
   * never run: pipe into the topics they write instead.
   */
  readonly nodes?: readonly string[];
  readonly params?: Params;
  /** Folder model files are read from, for operators that load models. */
  readonly modelDir?: string;
  /** Wall-clock time at the start, epoch ms; default 0. Moves only with `advanceWallClockTime`. */
  readonly startTime?: number;
  /** How long a pipe or a clock advance waits for the topology to settle before it fails; default 10 s. */
  readonly settleTimeoutMs?: number;
  /** Where node messages go; default stderr. */
  readonly log?: (message: string) => void;
}

type AnySerde = TopicSerde<unknown, unknown>;

/** What a driver is made of; `testDriver()` builds it. */
interface TestDriverParts {
  readonly topology: Topology;
  readonly nodes: readonly string[];
  readonly runner: TopologyRunner;
  readonly transport: MemoryTransport;
  readonly producer: TransportProducer;
  readonly clock: VirtualWallClock;
  readonly capture: OutputCapture;
  readonly quiescence: Quiescence;
  readonly registry: InMemorySchemaRegistry;
}

/**
 * Runs a topology, or some of its nodes, in this process with simulated wall-clock time: Kafka
 * Streams' TopologyTestDriver. Nodes run as in production (memory transport, embedded registry,
 * real tasks, stores and changelogs); each pipe waits until every node has processed what it can.
 *
 * When to use: unit tests of a topology's logic with explicit timestamps (windows, joins,
 * punctuators, dead letters), without a broker and without sleeping.
 *
 * @example
 * const d = await testDriver(countsTopology, { nodes: ['count'] });
 * await d.inputTopic(detections).pipeInput('cam-1', det, 10);
 * expect(d.outputTopic(counts).readKeyValueTimestamps()).toEqual([[win('cam-1', 0, 500), 1, 10]]);
 * await d.close();
 */
export async function testDriver(topology: Topology, opts: TestDriverOptions = {}): Promise<TestDriver> {
  const nodes = nodesToRun(topology, opts.nodes);
  const transport = new MemoryTransport();
  const registry = new InMemorySchemaRegistry();
  const clock = new VirtualWallClock(opts.startTime ?? 0);
  const settleTimeoutMs = opts.settleTimeoutMs ?? 10_000;
  // Closing waits for records in flight no longer than a pipe waits for them.
  const runner = new TopologyRunner(topology, {
    transport, registry, nodes, params: opts.params, modelDir: opts.modelDir, log: opts.log,
    node: { scheduler: clock, pollTimeoutMs: 10, shutdownTimeoutMs: settleTimeoutMs, revokeTimeoutMs: settleTimeoutMs },
  });
  try {
    await runner.start();
    // What the running nodes read and write is captured; the dead letters name the topic they read.
    const serdes = new Map<string, AnySerde>(topicsOfRunningNodes(runner).map((t) => [t.name, new TopicSerde(t, registry)]));
    const decoders = new Map<string, CaptureDecoder>([...serdes].map(([name, serde]) => [name, (msg) => serde.fromMessage(msg)]));
    for (const node of nodes) {
      const dlq = new TopicSerde(deadLetterTopic(topology.node$(node).deadLetterTopic), registry);
      decoders.set(dlq.topic.name, async (msg) => toTestDeadLetter((await dlq.fromMessage(msg)).value, serdes));
    }
    const capture = new OutputCapture(transport.broker, decoders);
    const quiescence = new Quiescence(runner, capture, settleTimeoutMs);
    const producer = await transport.producer({ clientId: 'test-driver' });
    return new TestDriver({ topology, nodes, runner, transport, producer, clock, capture, quiescence, registry });
  } catch (e) {
    await runner.stop('test driver failed to start');
    await transport.close();
    throw e;
  }
}

/** The topics the running nodes read and write. */
function topicsOfRunningNodes(runner: TopologyRunner): AnyTopic[] {
  return runner.runners.flatMap((r) => {
    return [...r.inputTopics(), ...outputTopics(runner.topology.node$(r.node).plan)];
  });
}

function nodesToRun(topology: Topology, asked: readonly string[] | undefined): string[] {
  const readers = topology.nodes.filter((n) => n.plan.input.kind === 'topics').map((n) => n.name);
  if (asked === undefined) {
    if (readers.length === 0) throw new ConfigError(`topology "${topology.name}" has no node that reads topics; a test driver pipes records into topics`);
    return readers;
  }
  if (asked.length === 0) throw new ConfigError('testDriver: `nodes` is empty; leave it out to run every node that reads topics');
  for (const name of asked) {
    topology.node$(name); // an unknown node throws here, naming the nodes there are
    if (!readers.includes(name)) throw new ConfigError(`testDriver: node "${name}" reads from a source, not topics; leave it out and pipe into the topic it writes`, { node: name });
  }
  return [...asked];
}

/** A running topology under test; made by `testDriver()`. Close it at the end of each test. */
export class TestDriver {
  private readonly inputs = new Map<string, TestInputTopic<unknown, unknown>>();
  private readonly outputs = new Map<string, TestOutputTopic<unknown, unknown>>();
  private closed: Promise<void> | undefined;

  /** @internal use `testDriver()` */
  constructor(private readonly parts: TestDriverParts) {}

  /** A topic some running node reads, to pipe records into. */
  inputTopic<K, V>(topic: Topic<K, V>): TestInputTopic<K, V> {
    const read = this.parts.runner.runners.some((r) => r.inputTopics().some((t) => t.name === topic.name));
    if (!read) throw new ConfigError(`testDriver: no running node reads topic "${topic.name}"; the nodes read: ${this.namesOf(this.parts.runner.runners.flatMap((r) => r.inputTopics()))}`, { topic: topic.name });
    let input = this.inputs.get(topic.name);
    if (!input) {
      const { producer, clock, quiescence } = this.parts;
      input = new TestInputTopic(topic, new TopicSerde(topic, this.parts.registry), producer, clock, quiescence) as TestInputTopic<unknown, unknown>;
      this.inputs.set(topic.name, input);
    }
    return input as TestInputTopic<K, V>;
  }

  /** A topic a running node reads or writes, to read what was written to it. Every call for one topic shares one read position. */
  outputTopic<K, V>(topic: Topic<K, V>): TestOutputTopic<K, V> {
    if (!this.parts.capture.captures(topic.name)) throw new ConfigError(`testDriver: no running node of topology "${this.parts.topology.name}" reads or writes topic "${topic.name}"; they use: ${this.namesOf(topicsOfRunningNodes(this.parts.runner))}`, { topic: topic.name });
    let output = this.outputs.get(topic.name);
    if (!output) {
      output = new TestOutputTopic(topic, this.parts.capture) as TestOutputTopic<unknown, unknown>;
      this.outputs.set(topic.name, output);
    }
    return output as TestOutputTopic<K, V>;
  }

  /** The wall-clock time the punctuators see now, epoch ms. */
  wallClockTime(): number {
    return this.parts.clock.now();
  }

  /**
   * Moves the wall clock on by `ms`: every wall-clock punctuator due meanwhile fires, in time order,
   * once per interval passed; then waits until what they caused is processed.
   */
  async advanceWallClockTime(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advanceWallClockTime: ms must be >= 0, got ${ms}`);
    this.parts.clock.advanceTo(this.parts.clock.now() + ms);
    await this.parts.quiescence.settle();
  }

  /** A key-value store of a node, read across all partitions. */
  keyValueStore<K, V>(node: string, store: string | StoreBuilder<KeyValueStore<K, V>>): ReadOnlyKeyValueStore<K, V> {
    const name = this.checkStore(node, store, 'key-value');
    return new KeyValueStoreView<K, V>(() => this.parts.runner.stores(node, name));
  }

  /** A window store of a node, read across all partitions. */
  windowStore<K, V>(node: string, store: string | StoreBuilder<WindowStore<K, V>>): ReadOnlyWindowStore<K, V> {
    const name = this.checkStore(node, store, 'window');
    return new WindowStoreView<K, V>(() => this.parts.runner.stores(node, name));
  }

  /** Every dead letter node `node` has written so far, oldest first. */
  deadLetters(node: string): TestDeadLetter[] {
    if (!this.parts.nodes.includes(node)) throw new ConfigError(`testDriver: node "${node}" is not running; running: ${this.parts.nodes.join(', ')}`, { node });
    return [...this.parts.capture.all(this.parts.topology.node$(node).deadLetterTopic)] as TestDeadLetter[];
  }

  /** Stops every node and the embedded broker. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      const { runner, capture, producer, transport } = this.parts;
      await runner.stop('test driver closed');
      await runner.done.catch(() => undefined);
      capture.close();
      await producer.close();
      await transport.close();
    })();
    return this.closed;
  }

  private checkStore(node: string, store: string | StoreBuilder, kind: StoreBuilder['kind']): string {
    const name = typeof store === 'string' ? store : store.name;
    if (!this.parts.nodes.includes(node)) throw new ConfigError(`testDriver: node "${node}" is not running; running: ${this.parts.nodes.join(', ')}`, { node });
    const declared = this.parts.topology.node$(node).stores;
    const builder = declared.find((s) => s.name === name);
    if (!builder) throw new ConfigError(`testDriver: node "${node}" has no store "${name}"; its stores: ${declared.map((s) => s.name).join(', ') || 'none'}`, { node, store: name });
    if (builder.kind !== kind) throw new ConfigError(`testDriver: store "${name}" of node "${node}" is a ${builder.kind} store, not a ${kind} store`, { node, store: name });
    return name;
  }

  private namesOf(topics: readonly AnyTopic[]): string {
    return [...new Set(topics.map((t) => t.name))].join(', ') || 'none';
  }
}
