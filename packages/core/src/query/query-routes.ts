import type { StateStore, StoreBuilder } from '../state/state-store.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { ReadOnlyWindowStore } from '../state/window-store.js';
import { storeKeyId } from '../state/store-key.js';
import { toAvroJson, type AvroJson } from '../serde/avro/schema.js';
import type { NodeView } from './node-view.js';
import { parseKey } from './parse-key.js';
import { parseTime } from './parse-time.js';
import type { QueryResponse } from './query-response.js';

type KvRead = StateStore & ReadOnlyKeyValueStore<unknown, unknown>;
type WindowRead = StateStore & ReadOnlyWindowStore<unknown, unknown>;

/** This instance, as the routes describe it. */
export interface QueryInstance {
  readonly instanceId: string;
  url(): string;
}

/**
 * The read routes of the stores of the nodes running in this process, apart from HTTP:
 * `GET /health`, `GET /stores`, `GET /stores/<name>` (entries here, `from_key`/`to_key`),
 * `GET /stores/<name>/<key>` (a key's value, or its windows with `from`/`to`, both inclusive).
 * A key whose partition another instance holds is answered 421 with that instance.
 */
export class QueryRoutes {
  constructor(
    private readonly self: QueryInstance,
    private readonly nodes: readonly NodeView[],
  ) {}

  async handle(method: string, url: URL): Promise<QueryResponse> {
    if (method !== 'GET') return { status: 405, body: { error: `${method} is not served; the query views are read-only (GET)` } };
    const parts = url.pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    try {
      if (parts.length === 1 && parts[0] === 'health') return { status: 200, body: { status: 'ok', instanceId: this.self.instanceId } };
      if (parts[0] === 'stores' && parts.length === 1) return { status: 200, body: this.describe() };
      if (parts[0] === 'stores' && (parts.length === 2 || parts.length === 3)) {
        const found = this.find(parts[1]!, url.searchParams.get('node'));
        if ('status' in found) return found;
        return parts.length === 2 ? this.range(found.view, found.store, url.searchParams) : await this.get(found.view, found.store, parts[2]!, url.searchParams);
      }
    } catch (e) {
      if (e instanceof TypeError) return { status: 400, body: { error: e.message } };
      throw e;
    }
    return { status: 404, body: { error: `no route ${url.pathname}; routes: /health, /stores, /stores/<store>, /stores/<store>/<key>` } };
  }

  private describe(): object {
    return {
      instanceId: this.self.instanceId,
      url: this.self.url(),
      stores: this.nodes.flatMap((v) => v.stores.map((s) => ({ name: s.name, node: v.node, kind: s.kind, partitions: [...v.read(s.name).keys()].sort((a, b) => a - b) }))),
      instances: Object.fromEntries(this.nodes.map((v) => [v.node, v.directory.instances()])),
    };
  }

  private find(name: string, node: string | null): { view: NodeView; store: StoreBuilder } | QueryResponse {
    const hits = this.nodes.flatMap((view) => view.stores.filter((s) => s.name === name && (node === null || view.node === node)).map((store) => ({ view, store })));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) return { status: 400, body: { error: `nodes ${hits.map((h) => h.view.node).join(', ')} all have a store "${name}"; add ?node=<node>` } };
    const here = this.nodes.flatMap((v) => v.stores.map((s) => s.name));
    return { status: 404, body: { error: `no store "${name}" on this instance; its stores: ${here.join(', ') || 'none'}` } };
  }

  private async get(view: NodeView, builder: StoreBuilder, keyText: string, q: URLSearchParams): Promise<QueryResponse> {
    const key = parseKey(keyText, keySchema(builder));
    const window = builder.kind === 'window' ? timeRange(q) : undefined;
    if (builder.kind !== 'window' && (q.has('from') || q.has('to'))) throw new TypeError(`store "${builder.name}" is a key-value store: from/to are for window stores`);
    const lookup = (store: StateStore): object | undefined => {
      if (window) {
        const windows = (store as WindowRead).fetch(key, window.from, window.to);
        return windows.length > 0 ? { windows } : undefined;
      }
      const value = (store as KvRead).get(key);
      return value === undefined ? undefined : { value };
    };
    const local = view.read(builder.name);
    const partition = view.partitioner ? await view.partitioner.partitionOf(key) : 0;
    const answer = (p: number, found: object) => ({ status: 200, body: { store: builder.name, key, partition: p, instanceId: this.self.instanceId, ...found } });
    const mine = partition === undefined ? undefined : local.get(partition);
    if (mine) {
      const found = lookup(mine);
      return found ? answer(partition!, found) : this.notFound(builder, key, partition);
    }
    // A store not keyed like its input may hold the key in another local task.
    for (const [p, store] of local) {
      const found = lookup(store);
      if (found) return answer(p, found);
    }
    if (partition === undefined) return this.notFound(builder, key, undefined);
    const owner = view.directory.ownerOf(partition);
    if (owner && owner.instanceId !== this.self.instanceId) {
      return { status: 421, body: { error: `key ${storeKeyId(key)} of store "${builder.name}" is in partition ${partition}, held by instance ${owner.instanceId} at ${owner.url}`, store: builder.name, key, partition, owner: { instanceId: owner.instanceId, url: owner.url } } };
    }
    return { status: 503, body: { error: `no running instance of node ${view.node} holds partition ${partition} (of key ${storeKeyId(key)}) now; try again after the rebalance`, store: builder.name, key, partition } };
  }

  private notFound(builder: StoreBuilder, key: unknown, partition: number | undefined): QueryResponse {
    return { status: 404, body: { error: `key ${storeKeyId(key)} is not in store "${builder.name}"`, store: builder.name, key, partition, instanceId: this.self.instanceId } };
  }

  /** The entries this instance holds, optionally between two keys (both inclusive); windows with from/to. */
  private range(view: NodeView, builder: StoreBuilder, q: URLSearchParams): QueryResponse {
    const schema = keySchema(builder);
    const lo = q.has('from_key') ? parseKey(q.get('from_key')!, schema) : undefined;
    const hi = q.has('to_key') ? parseKey(q.get('to_key')!, schema) : undefined;
    const inRange = (k: unknown) => (lo === undefined || compareKeys(k, lo) >= 0) && (hi === undefined || compareKeys(k, hi) <= 0);
    const local = view.read(builder.name);
    const entries: object[] = [];
    for (const [partition, store] of local) {
      if (builder.kind === 'window') {
        const { from, to } = timeRange(q);
        for (const w of (store as WindowRead).fetchAll(from, to)) if (inRange(w.key)) entries.push({ ...w, partition });
      } else {
        for (const [key, value] of (store as KvRead).all()) if (inRange(key)) entries.push({ key, value, partition });
      }
    }
    entries.sort((a, b) => compareKeys((a as { key: unknown }).key, (b as { key: unknown }).key));
    return { status: 200, body: { store: builder.name, instanceId: this.self.instanceId, partitions: [...local.keys()].sort((a, b) => a - b), entries } };
  }
}

/** The key schema of a store: a window store logs `{ key, start }`, so its key is that record's `key` field. */
function keySchema(builder: StoreBuilder): AvroJson {
  const json = toAvroJson(builder.changelogKey);
  if (builder.kind !== 'window' || typeof json !== 'object' || Array.isArray(json)) return json;
  const field = ((json as { fields?: Array<{ name: string; type: AvroJson }> }).fields ?? []).find((f) => f.name === 'key');
  return field?.type ?? json;
}

/** `from`/`to` of a window query (window start times, both inclusive); all time when absent. */
function timeRange(q: URLSearchParams): { from: number; to: number } {
  const from = q.has('from') ? parseTime(q.get('from')!, 'from') : 0;
  const to = q.has('to') ? parseTime(q.get('to')!, 'to') : Number.MAX_SAFE_INTEGER;
  if (from > to) throw new TypeError(`from (${from}) is after to (${to})`);
  return { from, to };
}

/** Numbers by value, anything else by its text form. */
function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = storeKeyId(a), y = storeKeyId(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
