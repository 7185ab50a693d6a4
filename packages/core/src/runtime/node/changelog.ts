import { StreamRecord } from '../../records/record.js';
import type { TopicSerde } from '../../serde/topic-serde.js';
import type { StoreBuilder } from '../../state/state-store.js';
import type { Transport } from '../../transport/transport.js';
import type { RecordOutput } from './record-output.js';

/**
 * A node's store changelogs: every store write is logged to the store's compacted topic, in the
 * partition of its task, and a task's stores are rebuilt from that partition when it starts.
 */
export class Changelog {
  constructor(
    private readonly transport: Transport,
    private readonly clientId: string,
    private readonly serdes: ReadonlyMap<string, TopicSerde<unknown, unknown>>,
    private readonly output: RecordOutput,
  ) {}

  /** Logs one store write; resolves when the producer has taken it (the commit's checkpoint makes it durable). */
  log(store: StoreBuilder, partition: number, key: unknown, value: unknown | null, timestamp: number): Promise<void> {
    const m = this.serde(store).toMessage(new StreamRecord({ key, value, timestamp }));
    // A literal, not a spread: this runs for every store write, and a spread defines each field through V8's slow path.
    return this.output.write({ topic: m.topic, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp, partition });
  }

  /** The offset after the last record of a store's changelog partition (its high watermark). */
  async end(store: StoreBuilder, partition: number): Promise<number> {
    const offsets = await this.transport.admin().endOffsets(this.serde(store).topic.name);
    return offsets.find((o) => o.partition === partition)?.offset ?? 0;
  }

  /** The first offset of a store's changelog partition still kept (retention of compact+delete changelogs moves it). */
  async begin(store: StoreBuilder, partition: number): Promise<number> {
    const offsets = await this.transport.admin().beginningOffsets(this.serde(store).topic.name);
    return offsets.find((o) => o.partition === partition)?.offset ?? 0;
  }

  /**
   * Replays a store's changelog partition from offset `from` up to `end` into `apply`; `progress`
   * hears after each batch how many records were read and the offset reached. Returns the records read.
   */
  async restore(store: StoreBuilder, partition: number, range: { from: number; end: number }, apply: (key: unknown, value: unknown | null) => void, progress?: (records: number, position: number) => void): Promise<number> {
    if (range.from >= range.end) return 0;
    const serde = this.serde(store);
    if (!this.transport.reader) throw new Error(`transport ${this.transport.kind} cannot read changelogs (no reader)`);
    const reader = await this.transport.reader({ clientId: `${this.clientId}.restore` });
    let count = 0;
    try {
      await reader.assign([{ topic: serde.topic.name, partition, offset: range.from }]);
      let position = range.from;
      while (position < range.end) {
        const batch = await reader.poll(1000, 500);
        for (const m of batch) {
          const rec = await serde.fromMessage(m);
          apply(rec.key, m.value === null ? null : rec.value);
          position = m.offset + 1;
          count++;
        }
        if (batch.length > 0) progress?.(count, position);
      }
    } finally {
      await reader.close();
    }
    return count;
  }

  private serde(store: StoreBuilder): TopicSerde<unknown, unknown> {
    const serde = this.serdes.get(store.name);
    if (!serde) throw new Error(`store "${store.name}" is not logged`);
    return serde;
  }
}
