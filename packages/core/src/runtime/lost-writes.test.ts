// A node's outputs count as done once its producer has taken them; a commit first checkpoints the
// producer. When the checkpoint says writes taken since the last commit were lost (a librdkafka
// handle replaced after losing every broker, a message that timed out), the node must not commit
// past them: it gives up its partitions uncommitted and reads again from its last commit, so every
// input still gets its output (at least once). A refusal that sending again cannot fix stops the node.
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../errors/connection-error.js';
import { PoisonRecordError } from '../errors/poison-record-error.js';
import { topic } from '../dsl/topic.js';
import { topology } from '../dsl/topology.js';
import type { Rec } from '../records/record.js';
import { InMemorySchemaRegistry } from '../serde/avro/in-memory-schema-registry.js';
import { MemoryTransport } from '../transport/memory/memory-transport.js';
import type { ConsumerOptions, DeliveryCallback, OutgoingMessage, ProducerOptions, Transport, TransportProducer } from '../transport/transport.js';
import { Item, items } from '../testing/items.js';
import { TopologyRunner } from './topology-runner.js';

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/**
 * The memory transport, except that the producer of group `lossyGroup` takes `lose` messages to
 * `lossyTopic` after the first `after` without writing them, and its next checkpoint reports them
 * lost with `failure`, as the Kafka producer does.
 */
class LossyTransport implements Transport {
  readonly kind = 'memory';
  readonly address = 'memory (lossy)';
  readonly inner = new MemoryTransport();
  /** Topics of the messages taken and never written. */
  swallowed: string[] = [];
  checkpointsFailed = 0;

  constructor(private readonly opts: { lossyGroup: string; lossyTopic: string; after: number; lose: number; failure: Error }) {}

  admin() {
    return this.inner.admin();
  }

  reader() {
    return this.inner.reader();
  }

  consumer(opts: ConsumerOptions) {
    return this.inner.consumer(opts);
  }

  /** How each client id asked to be acknowledged. */
  readonly acknowledge = new Map<string, string | undefined>();

  async producer(opts?: ProducerOptions): Promise<TransportProducer> {
    this.acknowledge.set(opts?.clientId ?? '', opts?.acknowledge);
    const p = await this.inner.producer(opts);
    if (opts?.clientId !== this.opts.lossyGroup) return p;
    let seen = 0;
    let lostSinceCheckpoint = false;
    const produce = (msg: OutgoingMessage, onDelivery: DeliveryCallback) => {
      if (msg.topic === this.opts.lossyTopic && seen++ >= this.opts.after && this.swallowed.length < this.opts.lose) {
        this.swallowed.push(msg.topic);
        lostSinceCheckpoint = true;
        queueMicrotask(() => onDelivery(undefined, undefined)); // taken, never written
        return;
      }
      p.produce(msg, onDelivery);
    };
    return {
      send: (msg) => new Promise((resolve, reject) => produce(msg, (e, r) => (e ? reject(e) : resolve(r!)))),
      produce,
      flush: (ms) => p.flush(ms),
      checkpoint: async () => {
        if (!lostSinceCheckpoint) return;
        lostSinceCheckpoint = false;
        this.checkpointsFailed++;
        throw this.opts.failure;
      },
      close: () => p.close(),
    };
  }

  close() {
    return this.inner.close();
  }
}

function passThrough(name: string) {
  const input = topic(`${name}.in`, { value: Item, partitions: 3 });
  const output = topic(`${name}.out`, { value: Item, partitions: 3 });
  const collected: string[] = [];
  const t = topology(name)
    .node('feed', (n) => n.source(items(300)).to(input))
    .node('pass', (n) => n.from(input).pipe(map((r: Rec<string, Item>) => r.withValue({ id: r.value.id.toUpperCase() }))).to(output))
    .node('collect', (n) => n.from(output).pipe(map((r: Rec<string, Item>) => (collected.push(r.value.id), r))));
  return { t, output, collected };
}

describe('writes a checkpoint reports lost', () => {
  it('are not committed past: the node reads again from its last commit and every input gets its output', async () => {
    const { t, output, collected } = passThrough('lost');
    const transport = new LossyTransport({ lossyGroup: 'lost.pass', lossyTopic: output.name, after: 100, lose: 20, failure: new ConnectionError('kafka 127.0.0.1:9092: send failed: the producer lost every broker', { address: '127.0.0.1:9092', operation: 'send' }) });
    transports.push(transport);
    const logs: string[] = [];
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: (m) => logs.push(m), drainCheckMs: 25, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } });
    await runner.start();
    await runner.runUntilDrained();
    await runner.stop('done');

    expect(transport.swallowed).toHaveLength(20);
    expect(transport.checkpointsFailed).toBe(1);
    const missing = Array.from({ length: 300 }, (_, i) => `ITEM-${i}`).filter((id) => !collected.includes(id));
    expect(missing, 'outputs never written').toEqual([]);
    expect(logs.some((l) => l.includes('pass: writes since the last commit were lost') && l.includes('reading again from the last commit')), logs.join('\n')).toBe(true);
    expect(runner.stats().find((s) => s.node === 'pass')?.state).toBe('stopped');
    // A source cannot read its input again: its node keeps a delivery report per record.
    expect(Object.fromEntries(transport.acknowledge)).toEqual({ 'lost.feed': 'each', 'lost.pass': 'checkpoint', 'lost.collect': 'checkpoint' });
  });

  it('stop the node, uncommitted, when sending again cannot help', async () => {
    const { t, output } = passThrough('refused');
    const refusal = new PoisonRecordError('MESSAGE_TOO_LARGE', 'kafka 127.0.0.1:9092: send to refused.out failed: the message is larger than the topic allows', {});
    const transport = new LossyTransport({ lossyGroup: 'refused.pass', lossyTopic: output.name, after: 10, lose: 1, failure: refusal });
    transports.push(transport);
    const runner = new TopologyRunner(t, { transport, registry: new InMemorySchemaRegistry(), log: () => undefined, drainCheckMs: 25, node: { pollTimeoutMs: 20, commitIntervalMs: 50 } });
    await runner.start();
    const drained = runner.runUntilDrained().catch((e: unknown) => e);
    for (let i = 0; i < 200 && runner.stats().find((s) => s.node === 'pass')?.state !== 'failed'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const pass = runner.stats().find((s) => s.node === 'pass');
    expect(pass?.state).toBe('failed');
    const committed = await transport.admin().committedOffsets('refused.pass', 'refused.in');
    const read = committed.reduce((n, o) => n + o.offset, 0);
    expect(read, 'committed only what came before the lost write').toBeLessThanOrEqual(10);
    await runner.stop('done');
    await drained;
  });
});
