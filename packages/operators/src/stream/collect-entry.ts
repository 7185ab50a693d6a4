import { avro, type AvroSchema } from '@vision-flow/core';
import type { PartTopics } from './collected.js';

/**
 * What collectByKey's store holds per key, change-logged. Its life:
 * - open (`emitted` false, `partial` false): parts are gathering; nothing was sent.
 * - partial sent (`emitted` true, `partial` true): a partial result is durable; the parts are kept
 *   so a late part is recognised and the complete result can be built.
 * - update due (`emitted` false, `partial` true): a part came after a partial result and its
 *   update is not yet known to be durable (after a crash, it is sent again).
 * - final (`emitted` true, `partial` false): a complete result is durable; only the marker is kept
 *   (parts are cleared) to drop redelivered parts.
 * Entries that have a result are deleted once stream time passes their last part plus the retention.
 */
export interface CollectEntry {
  readonly parts: { readonly [part: string]: unknown };
  readonly firstSeenAt: number;
  readonly lastEventTime: number;
  /** The entry's current parts have been sent in a result that is durable. */
  readonly emitted: boolean;
  /** A partial result was sent for this key: later parts are late and yield updates. */
  readonly partial: boolean;
  /** Whose record it is (`vf-tenant`, `vf-token`), from the first part: every result carries them. */
  readonly headers: { readonly [name: string]: string };
}

/** True once a complete result is durable: later parts are duplicates or surplus, and are dropped. */
export const isFinal = (e: CollectEntry): boolean => e.emitted && !e.partial;

/**
 * The store's value schema (the changelog's value subject). `partial` came after the first
 * version, so it has a default: a changelog written before it restores as it did then.
 */
export function collectEntrySchema(storeName: string, parts: PartTopics): AvroSchema<CollectEntry> {
  const safe = storeName.replace(/[^A-Za-z0-9_]/g, '_');
  return avro.record(`vision_flow.CollectEntry_${safe}`, {
    parts: avro.record(`vision_flow.CollectParts_${safe}`, Object.fromEntries(Object.entries(parts).map(([p, t]) => [p, avro.nullable(t.value as AvroSchema<unknown>)]))),
    firstSeenAt: avro.long(),
    lastEventTime: avro.long(),
    emitted: avro.boolean(),
    partial: avro.field(avro.boolean(), { default: false, doc: 'A partial result was sent; later parts update it' }),
    headers: avro.field(avro.map(avro.string()), { default: {}, doc: "Whose record it is (vf-tenant, vf-token), from the first part" }),
  }) as unknown as AvroSchema<CollectEntry>;
}
