import type { Topic } from '../dsl/topic.js';
import type { Headers } from '../records/headers.js';
import { StreamRecord } from '../records/record.js';
import type { TopicSerde } from '../serde/topic-serde.js';
import type { TransportProducer } from '../transport/transport.js';
import type { Quiescence } from './quiescence.js';
import type { VirtualWallClock } from './virtual-wall-clock.js';

/** One record to pipe: without a timestamp it gets the driver's wall-clock time. */
export interface TestRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp?: number;
  readonly headers?: Headers;
}

/**
 * Writes records to one input topic of a test driver (Kafka Streams' TestInputTopic), keyed and
 * typed by the topic's schemas. Each pipe resolves once the topology has processed all it can.
 *
 * @example
 * const input = d.inputTopic(detections);
 * await input.pipeInput('cam-1', det, 10);
 */
export class TestInputTopic<K, V> {
  private registered: Promise<void> | undefined;

  constructor(
    readonly topic: Topic<K, V>,
    private readonly serde: TopicSerde<K, V>,
    private readonly producer: TransportProducer,
    private readonly clock: VirtualWallClock,
    private readonly quiescence: Quiescence,
  ) {}

  /** Writes one record with an explicit event time (default: the wall clock), then waits for the topology to settle. */
  async pipeInput(key: K, value: V, timestamp?: number, headers?: Headers): Promise<void> {
    await this.write({ key, value, timestamp, headers });
    await this.quiescence.settle();
  }

  /**
   * Pipes records one at a time, each processed as far as it goes before the next is written, so
   * results do not depend on how the nodes batch their polls.
   */
  async pipeRecordList(records: readonly TestRecord<K, V>[]): Promise<void> {
    for (const r of records) await this.pipeInput(r.key, r.value, r.timestamp, r.headers);
  }

  private async write(r: TestRecord<K, V>): Promise<void> {
    await (this.registered ??= this.serde.register());
    const rec = new StreamRecord({ key: r.key, value: r.value, timestamp: r.timestamp ?? this.clock.now(), headers: r.headers ?? {} });
    await this.producer.send(this.serde.toMessage(rec));
  }
}
