import type { Processor, ProcessorContext } from '../processor/processor.js';
import type { Rec } from '../records/record.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { Aggregation } from './aggregation.js';
import type { Timestamped } from './timestamped.js';
import { updateOf } from './update-record.js';

/**
 * Per-key aggregation (Kafka Streams' KStreamAggregate): folds each record into its key's
 * aggregate and emits the new aggregate, timestamped with the highest record timestamp so far.
 * Records with a null key or value are dropped and counted, as Kafka Streams skips them.
 */
export class KeyAggregateProcessor<K, V, A> implements Processor<Rec<K, V>, Rec<K, A>> {
  private ctx!: ProcessorContext<Rec<K, A>>;
  private store!: KeyValueStore<K, Timestamped<A>>;

  constructor(
    private readonly storeName: string,
    private readonly aggregation: Aggregation<K, V, A>,
  ) {}

  init(ctx: ProcessorContext<Rec<K, A>>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore(this.storeName);
  }

  process(rec: Rec<K, V>): void {
    if (rec.key === null || rec.key === undefined || rec.value === null || rec.value === undefined) {
      this.ctx.recordDropped('null-key-or-value', rec);
      return;
    }
    const old = this.store.get(rec.key);
    const value = this.aggregation.add(rec.key, rec.value, old ? old.value : this.aggregation.init());
    const timestamp = old ? Math.max(old.timestamp, rec.timestamp) : rec.timestamp;
    this.store.put(rec.key, { value, timestamp });
    void this.ctx.forward(updateOf(rec, rec.key, value, timestamp));
  }

  close(): void {}
}
