import type {
  ConsumerOptions,
  IncomingMessage,
  OutgoingMessage,
  DeliveryReport,
  RebalanceListener,
  TopicPartition,
  TopicSpec,
  Transport,
  TransportConsumer,
  TransportProducer,
} from '@vision-flow/core';
import { randomId } from '../helpers/random-id.js';

/** How long conditions may take to hold, and how long each poll of a waiting loop lasts. */
export interface Timing {
  /** Deadline for any awaited condition (assignment, delivery, ...). */
  readonly waitMs: number;
  /** `timeoutMs` of the polls inside waiting loops. */
  readonly pollMs: number;
  /** Upper bound accepted for a poll that should wait `timeoutMs` and return []. */
  readonly pollSlackMs: number;
}

export const FAST: Timing = { waitMs: 20_000, pollMs: 100, pollSlackMs: 1_500 };
export const SLOW: Timing = { waitMs: 120_000, pollMs: 250, pollSlackMs: 5_000 };

export const tpKeyOf = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

export type RebalanceEvent =
  | { readonly member: string; readonly kind: 'assigned'; readonly partitions: readonly TopicPartition[] }
  | { readonly member: string; readonly kind: 'revoke-start' | 'revoke-end'; readonly partitions: readonly TopicPartition[] };

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Repeats `check` until it returns true or the deadline passes; the pause between checks only
 * paces the loop, correctness never depends on it.
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await pause(25);
  }
}

/**
 * A consumer group member under test: it records what it polled and its rebalance callbacks in the
 * test's shared event log. Kafka clients run rebalances only while the application polls, so every
 * wait in the suite keeps all members polling.
 */
export class Member {
  readonly received: IncomingMessage[] = [];
  /** The size of every batch `pollOnce` got, empty ones included. */
  readonly batches: number[] = [];
  /** Extra time each `onRevoked` takes, to make the window between revoke and reassign visible. */
  revokeDelayMs = 0;
  /** Runs inside `onRevoked`, e.g. to commit. */
  onRevoked: ((partitions: readonly TopicPartition[]) => Promise<void>) | undefined;

  constructor(
    readonly name: string,
    readonly consumer: TransportConsumer,
    private readonly events: RebalanceEvent[],
  ) {}

  readonly listener: RebalanceListener = {
    onAssigned: (partitions) => {
      this.events.push({ member: this.name, kind: 'assigned', partitions: [...partitions] });
    },
    onRevoked: async (partitions) => {
      this.events.push({ member: this.name, kind: 'revoke-start', partitions: [...partitions] });
      if (this.revokeDelayMs > 0) await pause(this.revokeDelayMs);
      await this.onRevoked?.(partitions);
      this.events.push({ member: this.name, kind: 'revoke-end', partitions: [...partitions] });
    },
  };

  subscribe(...topics: string[]): Promise<void> {
    return this.consumer.subscribe(topics, this.listener);
  }

  async pollOnce(max: number, timeoutMs: number): Promise<IncomingMessage[]> {
    const batch = await this.consumer.poll(max, timeoutMs);
    this.received.push(...batch);
    this.batches.push(batch.length);
    return batch;
  }

  assigned(): Set<string> {
    return new Set(this.consumer.assignment().map(tpKeyOf));
  }

  receivedFrom(partition: number): IncomingMessage[] {
    return this.received.filter((m) => m.partition === partition);
  }
}

/**
 * Everything one test makes, so it can be released at the end whatever happened: transports
 * (one per simulated process), consumers, producers and topics (random names per test).
 */
export class ConformanceContext {
  readonly events: RebalanceEvent[] = [];
  private readonly transports: Transport[] = [];
  private readonly consumers: Array<{ readonly consumer: TransportConsumer; readonly owner: Transport }> = [];
  private readonly producers: Array<{ readonly producer: TransportProducer; readonly owner: Transport }> = [];
  private readonly topics: string[] = [];
  private readonly closed = new WeakSet<object>();
  private main: Transport | undefined;

  constructor(
    private readonly makeTransport: () => Promise<Transport>,
    readonly timing: Timing,
  ) {}

  /** The test's first transport, made on first use. */
  async transport(): Promise<Transport> {
    this.main ??= await this.newTransport();
    return this.main;
  }

  /** Another transport: another "process" on the same broker. */
  async newTransport(): Promise<Transport> {
    const t = await this.makeTransport();
    this.transports.push(t);
    return t;
  }

  /** Creates a topic with a random name and waits until the admin describes it. */
  async topic(partitions: number, extra: Omit<TopicSpec, 'name' | 'partitions'> = {}): Promise<string> {
    const name = `t-${randomId()}`;
    const admin = (await this.transport()).admin();
    this.topics.push(name);
    await admin.createTopics([{ name, partitions, ...extra }]);
    await eventually(`topic ${name} to be described with ${partitions} partitions`, async () => (await admin.describeTopic(name))?.partitions === partitions, this.timing.waitMs);
    return name;
  }

  groupId(): string {
    return `g-${randomId()}`;
  }

  async producer(transport?: Transport): Promise<TransportProducer> {
    const owner = transport ?? (await this.transport());
    const producer = await owner.producer({ clientId: `p-${randomId(3)}` });
    this.producers.push({ producer, owner });
    return producer;
  }

  /** A consumer in its own transport unless one is given, as each member of a group is usually a process. */
  async member(name: string, opts: Omit<ConsumerOptions, 'clientId'>, transport?: Transport): Promise<Member> {
    const t = transport ?? (await this.newTransport());
    const c = await t.consumer({ clientId: `c-${name}-${randomId(3)}`, ...opts });
    this.consumers.push({ consumer: c, owner: t });
    return new Member(name, c, this.events);
  }

  /** Closes a consumer now (it leaves its group); cleanup will not close it again. */
  async closeMember(m: Member): Promise<void> {
    this.closed.add(m.consumer);
    await m.consumer.close();
  }

  /** Closes a transport now (and with it what it made); cleanup will not close them again. */
  async closeTransport(t: Transport): Promise<void> {
    this.closed.add(t);
    for (const c of this.consumers) if (c.owner === t) this.closed.add(c.consumer);
    for (const p of this.producers) if (p.owner === t) this.closed.add(p.producer);
    await t.close();
  }

  /** Sends every message (all in flight at once) and returns the delivery reports in send order. */
  async produce(producer: TransportProducer, messages: readonly OutgoingMessage[]): Promise<DeliveryReport[]> {
    return Promise.all(messages.map((m) => producer.send(m)));
  }

  /**
   * Keeps every member polling until `done` holds. `invariant`, if given, is checked after every
   * round and fails the test at once when it does not hold.
   */
  async pollUntil(members: readonly Member[], what: string, done: () => boolean, invariant?: () => void, max = 500): Promise<void> {
    const deadline = Date.now() + this.timing.waitMs;
    for (;;) {
      await Promise.all(members.map((m) => m.pollOnce(max, this.timing.pollMs)));
      invariant?.();
      if (done()) return;
      if (Date.now() > deadline) {
        const state = members.map((m) => `${m.name}: assigned [${[...m.assigned()].join(', ')}], received ${m.received.length}`).join('; ');
        throw new Error(`timed out after ${this.timing.waitMs} ms waiting for: ${what} (${state})`);
      }
    }
  }

  /** Releases everything; the first failure is thrown after every release was tried. */
  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    await Promise.all(this.consumers.filter(({ consumer }) => !this.closed.has(consumer)).map(({ consumer }) => attempt(() => consumer.close())));
    await Promise.all(this.producers.filter(({ producer }) => !this.closed.has(producer)).map(({ producer }) => attempt(() => producer.close())));
    if (this.topics.length > 0) {
      await attempt(async () => {
        const open = this.transports.find((t) => !this.closed.has(t));
        const t = open ?? (await this.newTransport());
        await t.admin().deleteTopics(this.topics);
      });
    }
    await Promise.all(this.transports.filter((t) => !this.closed.has(t)).map((t) => attempt(() => t.close())));
    if (errors.length > 0) throw errors[0];
  }
}
