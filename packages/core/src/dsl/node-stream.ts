import type { OperatorFunction } from 'rxjs';
import type { Rec } from '../records/record.js';
import type { AnyTopic, Topic } from './topic.js';
import type { Source } from './source.js';

/** Where a node's records come from: Kafka topics, or a source outside Kafka. */
export type NodeInput =
  | { readonly kind: 'topics'; readonly topics: readonly AnyTopic[] }
  | { readonly kind: 'source'; readonly source: Source<unknown, unknown> };

/** The operators of a node and where their outputs go; built by `NodeBuilder`. */
export interface NodePlan {
  readonly input: NodeInput;
  readonly operators: readonly OperatorFunction<never, unknown>[];
  readonly output: AnyTopic | undefined;
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

  /** Writes every output record to `topic`, whose key and value types must match the records'. */
  to(topic: Topic<KeyOf<T>, ValueOf<T>>): NodeEnd {
    return new NodeEnd({ ...this.plan, output: topic });
  }
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
