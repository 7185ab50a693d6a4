import { ConfigError } from '../../errors/config-error.js';
import type {
  ConsumerOptions, DeliveryReport, IncomingMessage, OutgoingMessage, ProducerOptions, RebalanceListener, TopicPartition,
  DeliveryCallback, TopicPartitionOffset, TopicSpec, Transport, TransportAdmin, TransportConsumer, TransportProducer, TransportReader,
} from '../transport.js';

/** Kafka's legal characters for topic and group names. */
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Checks a namespace given by a user (`--namespace`), naming the fix. */
export function checkNamespace(ns: string): string {
  if (!LEGAL.test(ns) || ns.length > 100) {
    throw new ConfigError(`namespace "${ns}" is not usable in Kafka topic and group names: use 1-100 characters of a-z, A-Z, 0-9, '.', '_' and '-'`, { option: 'namespace' });
  }
  return ns;
}

/**
 * A view of a transport in which every topic and consumer group lives under `<namespace>.`: several
 * deployments of the same topology (staging and production, or one per test) share a cluster
 * without sharing topics, offsets or state, as Kafka Streams apps do with their application.id.
 * The runtime sees the names the topology declares; the cluster sees the prefixed ones.
 */
export class NamespacedTransport implements Transport {
  readonly kind: Transport['kind'];
  readonly address: string;
  private readonly prefix: string;

  constructor(
    private readonly inner: Transport,
    namespace: string,
  ) {
    this.prefix = `${checkNamespace(namespace)}.`;
    this.kind = inner.kind;
    this.address = inner.address;
  }

  /** Both directions of every name seen, so a record in flight costs a lookup, not two new strings. */
  private readonly outerNames = new Map<string, string>();
  private readonly innerNames = new Map<string, string>();

  /** The cluster-side name of a topic or group. */
  outer(name: string): string {
    let o = this.outerNames.get(name);
    if (o === undefined) this.outerNames.set(name, (o = this.prefix + name));
    return o;
  }

  private innerName(name: string): string {
    let i = this.innerNames.get(name);
    if (i === undefined) this.innerNames.set(name, (i = name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name));
    return i;
  }

  private tp<T extends TopicPartition>(x: T): T {
    return { ...x, topic: this.outer(x.topic) };
  }

  private untp<T extends TopicPartition>(x: T): T {
    return { ...x, topic: this.innerName(x.topic) };
  }

  /**
   * A polled message under its inner topic name. An object literal of the fields rather than a
   * spread: this runs for every record, and V8 copies a spread property by property.
   */
  private unwrapMessage(m: IncomingMessage): IncomingMessage {
    return { topic: this.innerName(m.topic), partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp };
  }

  /** An outgoing message under its outer topic name; a literal, as above. */
  private wrapMessage(m: OutgoingMessage): OutgoingMessage {
    return { topic: this.outer(m.topic), key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp, partition: m.partition };
  }

  admin(): TransportAdmin {
    const admin = this.inner.admin();
    return {
      createTopics: (specs: readonly TopicSpec[]) => admin.createTopics(specs.map((s) => ({ ...s, name: this.outer(s.name) }))),
      deleteTopics: (names: readonly string[]) => admin.deleteTopics(names.map((n) => this.outer(n))),
      listTopics: async () => (await admin.listTopics()).filter((t) => t.startsWith(this.prefix)).map((t) => this.innerName(t)),
      describeTopic: async (name: string) => {
        const d = await admin.describeTopic(this.outer(name));
        return d && { ...d, name };
      },
      ...(admin.topicState && {
        topicState: async (name: string, configNames: readonly string[]) => {
          const d = await admin.topicState!(this.outer(name), configNames);
          return d && { ...d, name };
        },
      }),
      ...(admin.createPartitions && { createPartitions: (name: string, total: number) => admin.createPartitions!(this.outer(name), total) }),
      ...(admin.alterTopicConfigs && { alterTopicConfigs: (name: string, configs: { readonly [name: string]: string }) => admin.alterTopicConfigs!(this.outer(name), configs) }),
      endOffsets: async (topic: string) => (await admin.endOffsets(this.outer(topic))).map((o) => this.untp(o)),
      beginningOffsets: async (topic: string) => (await admin.beginningOffsets(this.outer(topic))).map((o) => this.untp(o)),
      committedOffsets: async (groupId: string, topic: string) => (await admin.committedOffsets(this.outer(groupId), this.outer(topic))).map((o) => this.untp(o)),
    };
  }

  async producer(opts?: ProducerOptions): Promise<TransportProducer> {
    const p = await this.inner.producer(opts);
    return {
      send: async (msg: OutgoingMessage): Promise<DeliveryReport> => this.untp(await p.send(this.wrapMessage(msg))),
      produce: (msg: OutgoingMessage, onDelivery: DeliveryCallback) =>
        p.produce(this.wrapMessage(msg), (e, report) => onDelivery(e, report && this.untp(report))),
      flush: (timeoutMs?: number) => p.flush(timeoutMs),
      ...(p.checkpoint ? { checkpoint: () => p.checkpoint!() } : {}),
      ...(p.durable ? { durable: () => p.durable!() } : {}),
      close: () => p.close(),
    };
  }

  async consumer(opts: ConsumerOptions): Promise<TransportConsumer> {
    const c = await this.inner.consumer({ ...opts, groupId: this.outer(opts.groupId) });
    const unwrap = (tps: readonly TopicPartition[]) => tps.map((x) => this.untp(x));
    return {
      subscribe: (topics: readonly string[], listener?: RebalanceListener) =>
        c.subscribe(
          topics.map((t) => this.outer(t)),
          listener && {
            onAssigned: listener.onAssigned && ((tps) => listener.onAssigned!(unwrap(tps))),
            onRevoked: listener.onRevoked && ((tps) => listener.onRevoked!(unwrap(tps))),
          },
        ),
      poll: async (max: number, timeoutMs: number): Promise<IncomingMessage[]> => (await c.poll(max, timeoutMs)).map((m) => this.unwrapMessage(m)),
      wakeup: () => c.wakeup(),
      pause: (tps: readonly TopicPartition[]) => c.pause(tps.map((x) => this.tp(x))),
      resume: (tps: readonly TopicPartition[]) => c.resume(tps.map((x) => this.tp(x))),
      assignment: () => unwrap(c.assignment()),
      commit: (offsets: readonly TopicPartitionOffset[]) => c.commit(offsets.map((o) => this.tp(o))),
      close: () => c.close(),
    };
  }

  async reader(opts?: { clientId?: string }): Promise<TransportReader> {
    if (!this.inner.reader) throw new Error(`transport ${this.inner.kind} has no reader`);
    const r = await this.inner.reader(opts);
    return {
      assign: (partitions: readonly TopicPartitionOffset[]) => r.assign(partitions.map((p) => this.tp(p))),
      poll: async (max: number, timeoutMs: number) => (await r.poll(max, timeoutMs)).map((m) => this.unwrapMessage(m)),
      close: () => r.close(),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
