import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { named } from '../dsl/named.js';
import { localContext } from '../dsl/operator-context.js';
import { VisionFlowError } from '../errors/vision-flow-error.js';
import type { StateStore } from '../state/state-store.js';
import type { ProcessorContext, ProcessorSupplier } from './processor.js';
import { PunctuationSchedule } from './punctuation-schedule.js';

const SUPPLIER = Symbol.for('vision-flow.processor-supplier');

export type StatefulOperator<I, O> = OperatorFunction<I, O> & { readonly [SUPPLIER]: ProcessorSupplier<I, O> };

/**
 * Turns a processor into an operator usable in `.pipe()`. Inside a vision-flow node the runtime
 * runs it per task with change-logged stores; in plain RxJS (marble tests, scripts) it runs with
 * in-memory stores and the given scheduler's clock.
 */
export function stateful<I, O>(supplier: ProcessorSupplier<I, O>, scheduler: SchedulerLike = asyncScheduler): StatefulOperator<I, O> {
  const op: OperatorFunction<I, O> = (source) =>
    new Observable<O>((subscriber) => {
      const stores = new Map<string, StateStore>(supplier.stores.map((b) => [b.name, b.build()]));
      for (const store of stores.values()) {
        store.init({ topology: 'local', node: 'local', partition: 0, changelogTopic: '', log: () => undefined });
      }
      const clock = new PunctuationSchedule(scheduler);
      const ctx: ProcessorContext<O> = {
        ...localContext(),
        partition: 0,
        forward: (rec) => (subscriber.next(rec), Promise.resolve()),
        durable: () => Promise.resolve(), // in-process: nothing to acknowledge
        getStateStore: <S extends StateStore>(name: string) => storeOrThrow(stores, name, supplier.name) as S,
        schedule: (ms, type, cb) => clock.schedule(ms, type, cb),
        streamTime: () => clock.streamTime(),
        wallClockTime: () => clock.wallClockTime(),
        recordDropped: () => undefined,
      };
      const processor = supplier.get();
      processor.init(ctx);
      const sub = source.subscribe({
        next: (rec) => {
          try {
            processor.process(rec);
            clock.advance(timestampOf(rec));
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          processor.endOfInput?.();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        clock.close();
        processor.close();
        for (const s of stores.values()) s.close();
      };
    });
  return Object.assign(named(supplier.name, op), { [SUPPLIER]: supplier });
}

export function processorSupplierOf(op: unknown): ProcessorSupplier<unknown, unknown> | undefined {
  return typeof op === 'function' && SUPPLIER in op ? (op as StatefulOperator<unknown, unknown>)[SUPPLIER] : undefined;
}

export function storeOrThrow(stores: ReadonlyMap<string, StateStore>, name: string, owner: string): StateStore {
  const store = stores.get(name);
  if (!store) {
    throw new VisionFlowError(`${owner}: no state store named "${name}"; declared: ${[...stores.keys()].join(', ') || 'none'}`, { code: 'UNKNOWN_STORE', retriable: false });
  }
  return store;
}

function timestampOf(rec: unknown): number {
  const ts = (rec as { timestamp?: unknown }).timestamp;
  return typeof ts === 'number' ? ts : -Infinity;
}
