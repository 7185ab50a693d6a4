import type { OperatorFunction } from 'rxjs';
import type { Rec } from '../records/record.js';
import type { AnyTopic, Topic } from './topic.js';
import { isTopicRouter, type AnyTopicRouter, type TopicRouter } from './topic-router.js';
import type { Source } from './source.js';
import { rekey, type GroupByOptions, type Repartition } from './repartition.js';
import { ConfigError } from '../errors/config-error.js';

/** Where a node's records come from: Kafka topics, or a source outside Kafka. */
export type NodeInput =
  | { readonly kind: 'topics'; readonly topics: readonly AnyTopic[] }
  | { readonly kind: 'source'; readonly source: Source<unknown, unknown> };

/** The operators of a node and where their outputs go; built by `NodeBuilder`. */
export interface NodePlan {
  readonly input: NodeInput;
  readonly operators: readonly OperatorFunction<never, unknown>[];
  /** A topic, or a router choosing each record's topic (`perTenant`). */
  readonly output: AnyTopic | AnyTopicRouter | undefined;
  /** Set by `groupBy`: the node re-keys through a repartition topic (see splitAtRepartition). */
  readonly repartition?: Repartition;
}

type KeyOf<T> = T extends Rec<infer K, unknown> ? K : never;
type ValueOf<T> = T extends Rec<unknown, infer V> ? V : never;

/**
 * The records flowing through a node. `.pipe()` takes ordinary RxJS operators over records;
 * `.to(topic)` ends the node by writing each output to a topic whose types must match.
 */
export class NodeStream<T> {
  /** @internal */
  constructor(readonly plan: NodePlan) {}

  pipe(): NodeStream<T>;
  pipe<A>(op1: OperatorFunction<T, A>): NodeStream<A>;
  pipe<A, B>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>): NodeStream<B>;
  pipe<A, B, C>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>): NodeStream<C>;
  pipe<A, B, C, D>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>, op4: OperatorFunction<C, D>): NodeStream<D>;
  pipe<A, B, C, D, E>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>, op4: OperatorFunction<C, D>, op5: OperatorFunction<D, E>): NodeStream<E>;
  pipe<A, B, C, D, E, F>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>, op4: OperatorFunction<C, D>, op5: OperatorFunction<D, E>, op6: OperatorFunction<E, F>): NodeStream<F>;
  pipe<A, B, C, D, E, F, G>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>, op4: OperatorFunction<C, D>, op5: OperatorFunction<D, E>, op6: OperatorFunction<E, F>, op7: OperatorFunction<F, G>): NodeStream<G>;
  pipe<A, B, C, D, E, F, G, H>(op1: OperatorFunction<T, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>, op4: OperatorFunction<C, D>, op5: OperatorFunction<D, E>, op6: OperatorFunction<E, F>, op7: OperatorFunction<F, G>, op8: OperatorFunction<G, H>): NodeStream<H>;
  pipe(...ops: OperatorFunction<never, unknown>[]): NodeStream<unknown>;
  pipe(...ops: OperatorFunction<never, unknown>[]): NodeStream<unknown> {
    return new NodeStream({ ...this.plan, operators: [...this.plan.operators, ...ops] });
  }

  /**
   * Re-keys the records by `fn` through a repartition topic (Kafka Streams' `groupBy`), so that an
   * aggregation after it sees every record of a new key in one task. The topology runs the part
   * before it in an internal node `<node>-<name>`, which writes `<topology>.<node>.<name>.repartition`;
   * this node reads that topic and runs the rest. One `groupBy` per node.
   *
   * @example
   * n.from(detections).groupBy((r) => r.value.camera, { name: 'by-camera', key: avro.string(), value: Detection })
   *   .pipe(windowedBy(tumbling('1m')).count({ name: 'counts', key: avro.string() })).to(counts)
   */
  groupBy<K2>(fn: (rec: T) => K2, opts: GroupByOptions<K2, ValueOf<T>>): NodeStream<Rec<K2, ValueOf<T>>> {
    if (this.plan.repartition) throw new ConfigError(`groupBy "${opts.name}": a node re-keys at most once; put a second groupBy in a node of its own`);
    if (!/^[a-zA-Z0-9_-]{1,40}$/.test(opts.name ?? '')) throw new ConfigError(`groupBy: name must be 1–40 letters, digits, "_" or "-", got ${JSON.stringify(opts.name)}`);
    const upstream: NodePlan = { ...this.plan, operators: [...this.plan.operators, rekey(fn as (rec: never) => K2) as OperatorFunction<never, unknown>] };
    const repartition: Repartition = { name: opts.name, key: opts.key as Repartition['key'], value: opts.value as Repartition['value'], partitions: opts.partitions, upstream };
    return new NodeStream({ input: this.plan.input, operators: [], output: undefined, repartition });
  }

  /**
   * Writes every output record to `topic`, whose key and value types must match the records', or
   * to the topic a router picks per record (`perTenant(analyses)`).
   */
  to(topic: Topic<KeyOf<T>, ValueOf<T>> | TopicRouter<KeyOf<T>, ValueOf<T>>): NodeEnd {
    return new NodeEnd({ ...this.plan, output: topic });
  }
}

/** The real topics a plan writes: its output topic, or a router's known topics. */
export function outputTopics(plan: NodePlan): AnyTopic[] {
  const { output } = plan;
  if (!output) return [];
  return isTopicRouter(output) ? [...output.known] : [output];
}

/** A node whose outputs go to a topic. */
export class NodeEnd {
  /** @internal */
  constructor(readonly plan: NodePlan) {}
}

export type RecOfTopic<T> = T extends Topic<infer K, infer V> ? Rec<K, V> : never;

/** Starts a node's definition inside `topology().node(name, n => …)`. */
export class NodeBuilder {
  /** Reads one or more topics; with several, records are the union of their types. */
  from<const T extends readonly [AnyTopic, ...AnyTopic[]]>(...topics: T): NodeStream<RecOfTopic<T[number]>> {
    return new NodeStream({ input: { kind: 'topics', topics }, operators: [], output: undefined });
  }

  /** Reads from outside Kafka (a directory, HTTP); such a node usually ends with `.to(topic)`. */
  source<K, V>(source: Source<K, V>): NodeStream<Rec<K, V>> {
    return new NodeStream({ input: { kind: 'source', source: source as Source<unknown, unknown> }, operators: [], output: undefined });
  }
}
