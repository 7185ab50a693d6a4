import type { Topic } from '../dsl/topic.js';
import type { StreamRecord } from '../records/record.js';
import type { OutputCapture } from './output-capture.js';

/**
 * Reads what the topology wrote to one topic (Kafka Streams' TestOutputTopic), in the order it was
 * written, each record once: every read returns what no earlier read of this topic returned. A
 * value is null where a tombstone was written (e.g. a merged session window in update mode).
 *
 * @example
 * expect(d.outputTopic(counts).readKeyValueTimestamps()).toEqual([[W0, 1, 10], [W0, 2, 15]]);
 */
export class TestOutputTopic<K, V> {
  private read = 0;

  constructor(
    readonly topic: Topic<K, V>,
    private readonly capture: OutputCapture,
  ) {}

  /** The unread records, with headers and source. */
  readRecordsToList(): StreamRecord<K, V | null>[] {
    const all = this.capture.all(this.topic.name) as readonly StreamRecord<K, V | null>[];
    const unread = all.slice(this.read);
    this.read = all.length;
    return unread;
  }

  /** The unread records as `[key, value, timestamp]`. */
  readKeyValueTimestamps(): Array<[K, V | null, number]> {
    return this.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
  }

  /** The unread records as `[key, value]`. */
  readKeyValuesToList(): Array<[K, V | null]> {
    return this.readRecordsToList().map((r) => [r.key, r.value]);
  }

  /** The unread values. */
  readValuesToList(): Array<V | null> {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** How many records have not been read yet. */
  get queueSize(): number {
    return this.capture.all(this.topic.name).length - this.read;
  }

  isEmpty(): boolean {
    return this.queueSize === 0;
  }
}
