import type { IncomingMessage, TopicPartitionOffset, TransportReader } from '../transport.js';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryErrors } from './memory-errors.js';
import { waitForAny } from './signal.js';

/** A group-less reader of explicit partitions (store restore, `vision-flow tail`). */
export class MemoryReader implements TransportReader {
  private positions: Array<{ topic: string; partition: number; position: number }> = [];
  private closed = false;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly onClose: (r: MemoryReader) => void,
  ) {}

  async assign(partitions: readonly TopicPartitionOffset[]): Promise<void> {
    for (const p of partitions) if (!this.broker.partitionLog(p.topic, p.partition)) throw MemoryErrors.unknownTopic(p.topic);
    this.positions = partitions.map((p) => ({ topic: p.topic, partition: p.partition, position: p.offset }));
  }

  async poll(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return [];
      const out: IncomingMessage[] = [];
      for (const p of this.positions) {
        const log = this.broker.partitionLog(p.topic, p.partition);
        if (!log || out.length >= max) continue;
        for (const r of log.read(p.position, max - out.length)) {
          out.push({ topic: p.topic, partition: p.partition, offset: r.offset, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value), headers: r.headers, timestamp: r.timestamp });
          p.position = r.offset + 1;
        }
      }
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0) return out;
      const signals = this.positions.flatMap((p) => this.broker.partitionLog(p.topic, p.partition)?.appended ?? []);
      await waitForAny(signals, left);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose(this);
  }
}
