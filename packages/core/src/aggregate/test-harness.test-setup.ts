import { localContext } from '../dsl/operator-context.js';
import { processorSupplierOf } from '../processor/stateful.js';
import { PunctuationSchedule } from '../processor/punctuation-schedule.js';
import type { ProcessorContext } from '../processor/processor.js';
import { record, type Rec } from '../records/record.js';
import type { StateStore } from '../state/state-store.js';

/**
 * Runs one stateful operator's processor as a task does, for unit tests: stream time at an
 * input's place includes the input, a thrown error dead-letters that input, the clock (and
 * stream-time punctuation) moves after each input, and `end()` is the end of a bounded input.
 * Store writes are logged to `changelog` so tests can restore a second harness from them.
 */
export class TestHarness<O> {
  readonly out: O[] = [];
  readonly deadLetters: Array<{ rec: unknown; error: unknown }> = [];
  readonly dropped: Array<{ reason: string; rec: unknown }> = [];
  readonly changelog = new Map<string, Array<[unknown, unknown]>>();
  private readonly stores = new Map<string, StateStore>();
  private readonly clock = new PunctuationSchedule();
  private readonly processor;

  /** `restoreFrom`: replays that harness's changelog into the new stores first, as a restart would. */
  constructor(op: unknown, restoreFrom?: TestHarness<unknown>) {
    const supplier = processorSupplierOf(op);
    if (!supplier) throw new Error('not a stateful operator');
    for (const b of supplier.stores) {
      const store = b.build();
      const log: Array<[unknown, unknown]> = [];
      this.changelog.set(b.name, log);
      store.init({ topology: 't', node: 'n', partition: 0, changelogTopic: '', log: (k, v) => void log.push([k, v]) });
      this.stores.set(b.name, store);
      for (const [k, v] of restoreFrom?.changelog.get(b.name) ?? []) store.restore(k, v);
    }
    let streamTime = -Infinity;
    const ctx: ProcessorContext<unknown> = {
      ...localContext(),
      partition: 0,
      forward: (rec) => (this.out.push(rec as O), Promise.resolve()),
      durable: () => Promise.resolve(),
      getStateStore: <S extends StateStore>(name: string) => this.stores.get(name) as S,
      schedule: (ms, type, cb) => this.clock.schedule(ms, type, cb),
      streamTime: () => Math.max(streamTime, this.clock.streamTime()),
      wallClockTime: () => 0,
      recordDropped: (reason, rec) => void this.dropped.push({ reason, rec }),
    };
    this.processor = supplier.get();
    this.processor.init(ctx);
    this.pipe = (key: unknown, value: unknown, timestamp: number) => {
      const rec = record({ key, value, timestamp });
      streamTime = Math.max(streamTime, timestamp);
      try {
        this.processor.process(rec);
      } catch (error) {
        this.deadLetters.push({ rec, error });
      }
      this.clock.advance(streamTime);
      return this;
    };
  }

  /** Pipes one input record with an explicit timestamp. */
  readonly pipe: (key: unknown, value: unknown, timestamp: number) => this;

  store<S extends StateStore>(name: string): S {
    return this.stores.get(name) as S;
  }

  end(): this {
    this.processor.endOfInput?.();
    return this;
  }

  /** The outputs as `[key, value, timestamp]` triples, then cleared. */
  read(): Array<[unknown, unknown, number]> {
    const out = (this.out as unknown as Rec<unknown, unknown>[]).map((r): [unknown, unknown, number] => [r.key, r.value, r.timestamp]);
    this.out.length = 0;
    return out;
  }
}
