import { HeaderNames } from '../records/headers.js';
import { PoisonRecordError } from '../errors/poison-record-error.js';
import { TopologyError } from '../errors/topology-error.js';
import type { Rec } from '../records/record.js';
import { topic, type Topic } from './topic.js';

/**
 * Where each record of a node goes when the topic depends on the record (Kafka Streams'
 * TopicNameExtractor). Every routed topic copies `template`'s schemas, partitions and settings,
 * and its subjects `<topic>-key` / `<topic>-value` get the same schemas registered. Made by
 * `topicPerRecord` or `perTenant`; passed to `.to()`.
 */
export interface TopicRouter<K, V> {
  readonly kind: 'topic-router';
  /** How describe() and graphs show the routed topics, e.g. `analyses.<tenant>`. */
  readonly name: string;
  readonly template: Topic<K, V>;
  /** Topics created and registered before the first record (declared tenants). */
  readonly known: readonly Topic<K, V>[];
  /** Whether a topic outside `known` is created (and its schemas registered) on first use; else the record is dead-lettered. */
  readonly createOnUse: boolean;
  /** The topic name of one record; a PoisonRecordError dead-letters the record with its reason. */
  topicName(rec: Rec<K, V>): string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTopicRouter = TopicRouter<any, any>;

export interface TopicPerRecordOptions {
  /** How describe() shows the routed topics, e.g. `analyses.<camera>`. */
  readonly describeAs: string;
  /** Topic names to create before the first record. */
  readonly known?: readonly string[];
  /** Default true: a name outside `known` is created on first use. With false only `known` topics are written. */
  readonly createOnUse?: boolean;
}

/**
 * Routes each record to the topic `extract` names, with `template`'s schemas and settings.
 * `extract` throws a PoisonRecordError (with a stable code) for a record that has no topic: it is
 * dead-lettered with that reason, never written to a default topic.
 *
 * When to use: outputs split by a field or header (per tenant, per region). For tenants use `perTenant`.
 *
 * @example
 * n.from(analyses).to(topicPerRecord(analyses, (r) => `analyses.${r.value.camera}`, { describeAs: 'analyses.<camera>' }))
 * @see perTenant
 */
export function topicPerRecord<K, V>(template: Topic<K, V>, extract: (rec: Rec<K, V>) => string, opts: TopicPerRecordOptions): TopicRouter<K, V> {
  const known = (opts.known ?? []).map((name) => routedTopic(template, name));
  const createOnUse = opts.createOnUse ?? true;
  if (!createOnUse && known.length === 0) throw new TopologyError(`topicPerRecord(${opts.describeAs}): createOnUse is false but no known topics are named; name them in known`, { topic: template.name });
  return Object.freeze({ kind: 'topic-router', name: opts.describeAs, template, known, createOnUse, topicName: extract });
}

/** Tenant ids: no `.`, so `<name>.<tenant>` is unambiguous and a prefixed ACL on `<tenant>.`-style names cannot reach another tenant. */
const LEGAL_TENANT = /^[a-zA-Z0-9_-]{1,64}$/;

export interface PerTenantOptions {
  /**
   * The tenants to provision before the first record. When given, a record of any other tenant is
   * dead-lettered (TENANT_UNKNOWN) instead of creating a topic: for clusters where topics and ACLs
   * are provisioned per tenant beforehand.
   */
  readonly tenants?: readonly string[];
  /** The topic of a tenant; default `<template name>.<tenant>`. See docs/tenants.md for names that suit prefixed ACLs. */
  readonly topicName?: (tenant: string) => string;
}

/**
 * Routes each record to its tenant's topic, by default `<name>.<tenant>`, from the `vf-tenant`
 * header. A record without the header is dead-lettered with TENANT_MISSING, one whose tenant is
 * not a legal id with TENANT_INVALID: a result is never written where another tenant could read it.
 *
 * When to use: the last node before client teams read results (docs/tenants.md).
 *
 * @example
 * n.from(collected).pipe(toAnalysis()).to(perTenant(analyses))          // analyses.acme, analyses.globex, ...
 * @see topicPerRecord
 */
export function perTenant<K, V>(template: Topic<K, V>, opts: PerTenantOptions = {}): TopicRouter<K, V> {
  const nameOf = opts.topicName ?? ((tenant: string) => `${template.name}.${tenant}`);
  for (const t of opts.tenants ?? []) checkTenant(t, (m) => new TopologyError(`perTenant(${template.name}): ${m}`, { topic: template.name }));
  const declared = new Set(opts.tenants ?? []);
  const extract = (rec: Rec<K, V>): string => {
    const tenant = rec.headers[HeaderNames.tenant];
    if (tenant === undefined || tenant === '') {
      throw new PoisonRecordError('TENANT_MISSING', `record has no ${HeaderNames.tenant} header, so it has no tenant topic under ${nameOf('<tenant>')}; records reach this node through httpSource, which sets it from the token`, { header: HeaderNames.tenant });
    }
    checkTenant(tenant, (m) => new PoisonRecordError('TENANT_INVALID', m, { header: HeaderNames.tenant }));
    if (declared.size > 0 && !declared.has(tenant)) {
      throw new PoisonRecordError('TENANT_UNKNOWN', `tenant "${tenant}" is not one of the declared tenants (${[...declared].join(', ')}); add it to perTenant's tenants`, { tenant });
    }
    return nameOf(tenant);
  };
  return topicPerRecord(template, extract, { describeAs: nameOf('<tenant>'), known: [...declared].map(nameOf), createOnUse: declared.size === 0 });
}

function checkTenant(tenant: string, error: (message: string) => Error): void {
  if (!LEGAL_TENANT.test(tenant)) throw error(`tenant ${JSON.stringify(tenant)} is not a legal tenant id: use 1–64 letters, digits, "_" or "-"`);
}

/** The topic a router writes for `name`: the template's schemas and settings under another name. */
export function routedTopic<K, V>(template: Topic<K, V>, name: string): Topic<K, V> {
  return topic(name, {
    key: template.key, value: template.value, partitions: template.partitions, compacted: template.compacted,
    ...(template.retentionMs !== undefined ? { retention: template.retentionMs } : {}),
    maxMessageBytes: template.maxMessageBytes, ...(template.doc !== undefined ? { doc: template.doc } : {}),
  });
}

export function isTopicRouter(x: unknown): x is AnyTopicRouter {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'topic-router';
}
