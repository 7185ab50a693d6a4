// A memory transport that can "die" like a SIGKILLed process, for crash windows made deterministic in
// one process (test/e2e/crash-join-marker.test.ts, crash-window-marker.test.ts).
import { MemoryTransport, type DeliveryReport, type OutgoingMessage, type Transport, type TransportProducer } from '@vision-flow/core';
import type { MemoryBroker } from '@vision-flow/core/testing';

/**
 * A view of a memory broker that can "die": changelog writes can be held back, and `crash()`
 * drops what is held and refuses every later send and commit, as a SIGKILLed process would.
 */
export class CrashableTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly address = 'memory';
  readonly inner: MemoryTransport;
  holdChangelog = false;
  /**
   * Writes to the results topic are taken and held unacknowledged, as by a Kafka producer that answers on
   * taking a write and learns of acknowledgements at checkpoints: `checkpoint` and `durable` wait
   * until none is held.
   */
  holdResults = false;
  private dead = false;
  private readonly held: Array<() => void> = [];
  private readonly heldResults: Array<() => void> = [];
  private readonly acknowledged: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  /** `results`: the topic whose writes `holdResults` holds back. */
  constructor(
    private readonly results: string,
    broker?: MemoryBroker,
  ) {
    this.inner = new MemoryTransport(broker ? { broker } : {});
  }

  get broker(): MemoryBroker {
    return this.inner.broker;
  }

  admin() {
    return this.inner.admin();
  }

  reader() {
    return this.inner.reader();
  }

  async producer(): Promise<TransportProducer> {
    const p = await this.inner.producer();
    const died = () => Promise.reject(new Error('process killed'));
    const send = (msg: OutgoingMessage): Promise<DeliveryReport> => {
      if (this.dead) return died();
      if (this.holdChangelog && msg.topic.endsWith('.changelog')) {
        return new Promise<DeliveryReport>((resolve, reject) => this.held.push(() => (this.dead ? reject(new Error('process killed')) : p.send(msg).then(resolve, reject))));
      }
      return p.send(msg);
    };
    const acknowledged = () =>
      this.dead ? died() : this.heldResults.length === 0 ? Promise.resolve() : new Promise<void>((resolve, reject) => this.acknowledged.push({ resolve, reject }));
    return {
      send,
      produce: (msg, onDelivery) => {
        if (this.holdResults && msg.topic === this.results && !this.dead) {
          this.heldResults.push(() => void p.send(msg));
          queueMicrotask(() => onDelivery(undefined, undefined)); // taken, not yet acknowledged
          return;
        }
        void send(msg).then((r) => onDelivery(undefined, r), (e: Error) => onDelivery(e, undefined));
      },
      flush: (ms) => p.flush(ms),
      checkpoint: acknowledged,
      durable: acknowledged,
      close: () => p.close(),
    };
  }

  async consumer(opts: Parameters<Transport['consumer']>[0]) {
    const c = await this.inner.consumer(opts);
    return {
      subscribe: c.subscribe.bind(c),
      poll: c.poll.bind(c),
      wakeup: c.wakeup.bind(c),
      pause: c.pause.bind(c),
      resume: c.resume.bind(c),
      assignment: c.assignment.bind(c),
      commit: (offsets: Parameters<typeof c.commit>[0]) => (this.dead ? Promise.reject(new Error('process killed')) : c.commit(offsets)),
      close: c.close.bind(c),
    };
  }

  /** Everything held is lost; nothing more reaches the broker. */
  crash(): void {
    this.dead = true;
    for (const release of this.held.splice(0)) release();
    this.heldResults.length = 0;
    for (const w of this.acknowledged.splice(0)) w.reject(new Error('process killed'));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
