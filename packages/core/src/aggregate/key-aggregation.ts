import { ConfigError } from '../errors/config-error.js';
import { stateful, type StatefulOperator } from '../processor/stateful.js';
import type { Rec } from '../records/record.js';
import type { AvroSchema } from '../serde/avro/schema.js';
import { keyValueStore } from '../state/stores.js';
import type { AggregateOptions } from './aggregate-options.js';
import type { Aggregation } from './aggregation.js';
import { KeyAggregateProcessor } from './key-aggregate-processor.js';
import { cached } from './record-cache.js';
import { timestampedSchema } from './timestamped.js';

/** Builds the stateful operator of a per-key aggregation over a change-logged key-value store. */
export function keyAggregation<K, V, A>(operator: string, opts: AggregateOptions<K>, value: AvroSchema<A>, aggregation: Aggregation<K, V, A>): StatefulOperator<Rec<K, V>, Rec<K, A>> {
  checkName(operator, opts.name);
  const store = keyValueStore(opts.name, { key: opts.key, value: timestampedSchema(opts.name, value), ...storeFlags(opts) });
  return stateful({ name: `${operator}(${opts.name})`, stores: [store], get: cached(`${operator}(${opts.name})`, opts.cache, false, () => new KeyAggregateProcessor(opts.name, aggregation)) });
}

/**
 * The store options an aggregation passes through as given (`persistent` is honoured by stores that
 * support it). Aggregation stores log on commit: a key updated many times per commit interval
 * writes its changelog once, as Kafka Streams' caching stores do.
 */
export function storeFlags(opts: AggregateOptions<unknown>): { logged?: boolean; persistent?: boolean; logOnCommit: true } {
  return { ...(opts.logged === undefined ? {} : { logged: opts.logged }), ...(opts.persistent === undefined ? {} : { persistent: opts.persistent }), logOnCommit: true };
}

export function checkName(operator: string, name: unknown): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new ConfigError(`${operator}: name must be a store name of letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
  }
}
