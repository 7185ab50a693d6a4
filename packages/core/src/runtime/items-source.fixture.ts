// Test fixture shared by runtime tests on the memory transport (not built into dist).
import type { Source, SourceReader } from '../dsl/source.js';
import { record } from '../records/record.js';
import { avro, type Infer } from '../serde/avro/schema.js';

export const Item = avro.record('t.Item', { id: avro.string() });
export type Item = Infer<typeof Item>;

/** A bounded source of `n` records with distinct keys `item-0`, `item-1`, ... */
export function items(n: number): Source<string, Item> {
  return {
    kind: 'items',
    bounded: true,
    open: async (): Promise<SourceReader<string, Item>> => {
      let i = 0;
      return {
        total: n,
        next: async () => {
          if (i >= n) return null;
          const id = `item-${i++}`;
          return { record: record({ key: id, value: { id } }) };
        },
        close: async () => undefined,
      };
    },
  };
}
