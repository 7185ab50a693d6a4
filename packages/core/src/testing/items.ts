import type { Source, SourceReader } from '../dsl/source.js';
import { record } from '../records/record.js';
import { avro, type Infer } from '../serde/avro/schema.js';

/** The value `items` emits: `{ id }`, the same text as the record's key. */
export const Item = avro.record('t.Item', { id: avro.string() });
export type Item = Infer<typeof Item>;

/**
 * A bounded source of `n` records with distinct keys `item-0`, `item-1`, ...
 *
 * When to use: a test that needs a known number of records through a node without a real source;
 * `everyMs` spaces them out in time.
 *
 * @example
 * topology('t').node('src', (n) => n.source(items(100)).to(topic('in', { value: Item })))
 */
export function items(n: number, opts: { readonly everyMs?: number } = {}): Source<string, Item> {
  return {
    kind: 'items',
    bounded: true,
    open: async (): Promise<SourceReader<string, Item>> => {
      let i = 0;
      return {
        total: n,
        next: async () => {
          if (i >= n) return null;
          // A trickle: one record every `everyMs`, so the nodes downstream catch up between any two.
          if (opts.everyMs) await new Promise((resolve) => setTimeout(resolve, opts.everyMs));
          const id = `item-${i++}`;
          return { record: record({ key: id, value: { id } }) };
        },
        close: async () => undefined,
      };
    },
  };
}
