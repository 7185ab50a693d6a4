import { randomUUID } from 'node:crypto';
import type { IncomingMessage, TopicPartitionOffset, TransportReader } from '../transport.js';
import { CutOffWatch, CUT_OFF_STATS_INTERVAL_MS, reconnect } from './cut-off-watch.js';
import { commonConfig, type KafkaTransportOptions } from './kafka-config.js';
import { TRANSIENT, toIncoming, tpKey } from './kafka-consumer.js';
import { closedError, mapKafkaError } from './map-kafka-error.js';
import { RdConsumer, type ConsumerGlobalConfig, type Message } from './rdkafka.js';

type Native = InstanceType<typeof RdConsumer> & { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void };

/** Longest single native consume(); it holds a libuv pool thread for its whole wait. */
const CONSUME_SLICE_MS = 100;

/**
 * A group-less reader of explicit partitions on librdkafka's `assign()`: restores state stores from
 * their changelogs and backs `vision-flow tail`. It never joins a group nor commits, so it cannot
 * disturb the offsets of the nodes whose topics it reads.
 *
 * A handle cut off from the cluster for good (see cut-off-watch.ts; seen after a broker restart)
 * would read nothing ever again: it is replaced by a new one, assigned where the old one had got to,
 * so a `tail` that follows a topic across a broker restart goes on without a gap or a repeat.
 */
export class KafkaReader implements TransportReader {
  private closing: Promise<void> | undefined;
  private consuming: Promise<unknown> = Promise.resolve();
  /** Per assigned partition, where to read next: the offset assigned, then one past the last record returned. */
  private readonly positions = new Map<string, TopicPartitionOffset>();
  private readonly cutOff = new CutOffWatch(() => this.replaceNative());
  private replacing: Promise<void> | undefined;

  private constructor(
    private native: Native,
    private readonly address: string,
    private readonly open: () => Promise<Native>,
  ) {
    this.listen(native);
  }

  static async connect(opts: KafkaTransportOptions, address: string, clientId: string | undefined, connectTimeoutMs: number): Promise<KafkaReader> {
    const open = () => openNative(opts, address, clientId, connectTimeoutMs);
    return new KafkaReader(await open(), address, open);
  }

  async assign(partitions: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.closing) throw closedError('reader', this.address);
    await this.replacing;
    await this.consuming;
    this.native.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    this.positions.clear();
    for (const p of partitions) this.positions.set(tpKey(p), { topic: p.topic, partition: p.partition, offset: p.offset });
  }

  async poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closing) return [];
      const raw = await this.consume(max, Math.min(Math.max(0, deadline - Date.now()), CONSUME_SLICE_MS));
      for (const m of raw) this.positions.set(tpKey(m), { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
      if (raw.length > 0 || Date.now() >= deadline) return raw.map(toIncoming);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.replacing; // gives up connecting a new handle once `closing` is set
      await this.consuming;
      await new Promise<void>((resolve) => this.native.disconnect(() => resolve()));
    })();
    return this.closing;
  }

  /** Follows a handle's statistics while it is the current one. */
  private listen(native: Native): void {
    native.on('event.stats', (s: { message: string }) => {
      if (native === this.native) this.cutOff.report(s.message);
    });
  }

  /** Connects a new handle (retrying while the cluster is away) and reads on through it from the same positions. */
  private replaceNative(): void {
    if (this.replacing || this.closing) return;
    this.replacing = (async () => {
      const fresh = await reconnect(this.open, () => this.closing !== undefined);
      if (!fresh) return; // closing: close() takes the old handle down
      await this.consuming; // positions are final once the consume() under way has returned
      const old = this.native;
      fresh.assign([...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
      this.native = fresh;
      this.listen(fresh);
      old.disconnect(() => undefined);
    })().finally(() => {
      this.replacing = undefined;
    });
  }

  private consume(max: number, timeoutMs: number): Promise<Message[]> {
    const run = this.consuming.then(
      () =>
        new Promise<Message[]>((resolve, reject) => {
          const native = this.native;
          native.setDefaultConsumeTimeout(timeoutMs);
          native.consume(max, (err, messages) => {
            if (!err) return resolve(messages ?? []);
            if (err.isFatal || !TRANSIENT.has(err.code)) return reject(mapKafkaError(err, { address: this.address, operation: 'read' }));
            setTimeout(() => resolve([]), Math.min(50, timeoutMs));
          });
        }),
    );
    this.consuming = run.catch(() => undefined);
    return run;
  }
}

/** A connected group-less librdkafka consumer that reports statistics (they show a cut-off handle). */
async function openNative(opts: KafkaTransportOptions, address: string, clientId: string | undefined, connectTimeoutMs: number): Promise<Native> {
  const native = new RdConsumer(
    {
      ...commonConfig(opts, 'reader', clientId),
      // librdkafka wants a group id even for assign(); a unique one that never joins or commits.
      'group.id': `vision-flow-reader-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'fetch.wait.max.ms': 100,
      'statistics.interval.ms': CUT_OFF_STATS_INTERVAL_MS,
      ...opts.librdkafka,
    } as ConsumerGlobalConfig,
    {},
  ) as Native;
  native.on('event.error', () => undefined); // surfaced through consume()
  try {
    await new Promise<void>((resolve, reject) => native.connect({ timeout: connectTimeoutMs }, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    native.disconnect(() => undefined);
    throw mapKafkaError(e, { address, operation: 'connect reader', timeoutMs: connectTimeoutMs });
  }
  native.setDefaultIsTimeoutOnlyForFirstMessage(true);
  return native;
}
