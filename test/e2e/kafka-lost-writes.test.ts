// A pass-through node on the real broker whose producer handle is replaced mid-run, as after
// librdkafka drops every broker (#5301): the old handle is disconnected at once, so what it still
// held may be gone (here the broker is healthy, so usually nothing is). The next commit's checkpoint
// reports those writes lost; the node must not commit past them but leave and rejoin its group on the
// real broker and read again from its last commit, ending with every input's output and zero lag.
// That lost outputs are really written again is shown on the memory transport (lost-writes.test.ts),
// where the loss can be made certain.
import { map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfluentSchemaRegistry, KafkaTransport, NamespacedSchemaRegistry, NamespacedTransport, TopicSerde, TopologyRunner, topic, topology,
  type Rec, type Transport, type TransportProducer,
} from '@vision-flow/core';
import { Item, items } from '@vision-flow/core/testing';
import { KafkaNamespace } from '../helpers/kafka-namespace.js';

const RECORDS = 20_000;

/** KafkaTransport that remembers the producer it made for each client id. */
function recording(inner: KafkaTransport, producers: Map<string, TransportProducer>): Transport {
  return {
    kind: inner.kind,
    address: inner.address,
    admin: () => inner.admin(),
    consumer: (opts) => inner.consumer(opts),
    reader: (opts) => inner.reader(opts),
    producer: async (opts) => {
      const p = await inner.producer(opts);
      producers.set(opts?.clientId ?? '', p);
      return p;
    },
    close: () => inner.close(),
  };
}

describe('writes a node cannot tie to a record (real broker)', () => {
  const kns = new KafkaNamespace();
  const ns = kns.name;
  let raw: KafkaTransport;
  let transport: NamespacedTransport;
  let registry: NamespacedSchemaRegistry;
  const producers = new Map<string, TransportProducer>();

  beforeAll(async () => {
    raw = await KafkaTransport.connect({ brokers: kns.brokers, clientId: 'vf-e2e-lost-writes' });
    transport = new NamespacedTransport(recording(raw, producers) as KafkaTransport, ns);
    registry = new NamespacedSchemaRegistry(await ConfluentSchemaRegistry.connect({ url: kns.registry }), ns);
  });

  afterAll(async () => {
    await raw?.close();
    await kns.drop();
  });

  it('reads again from its last commit: every input has its output, and the group ends with zero lag', async () => {
    const input = topic('lost.in', { value: Item, partitions: 3 });
    const output = topic('lost.out', { value: Item, partitions: 3 });
    const t = topology('lost')
      .node('feed', (n) => n.source(items(RECORDS)).to(input))
      .node('pass', (n) => n.from(input).pipe(map((r: Rec<string, Item>) => r.withValue({ id: r.value.id.toUpperCase() }))).to(output));
    const logs: string[] = [];
    const runner = new TopologyRunner(t, { transport, registry, log: (m) => logs.push(m), node: { commitIntervalMs: 200 } });
    await runner.start();
    const drained = runner.runUntilDrained();

    // Once the node is well under way, cut its producer off as librdkafka's statistics would.
    const end = async (name: string) => (await transport.admin().endOffsets(name)).reduce((n, o) => n + o.offset, 0);
    while ((await end(output.name)) < RECORDS / 4) await new Promise((resolve) => setTimeout(resolve, 50));
    const pass = producers.get('lost.pass')!;
    const native = (pass as unknown as { handle: { current: NodeJS.EventEmitter } }).handle.current;
    const cutOff = { message: JSON.stringify({ type: 'producer', brokers: {} }) };
    native.emit('event.stats', cutOff);
    native.emit('event.stats', cutOff);

    await drained;
    await runner.stop('done');

    // Every input id has an output (some twice: what was read again after the last commit).
    const serde = new TopicSerde(output, registry);
    const reader = await transport.reader!({ clientId: 'vf-e2e-lost-writes-check' });
    await reader.assign([0, 1, 2].map((partition) => ({ topic: output.name, partition, offset: 0 })));
    const seen = new Set<string>();
    const total = await end(output.name);
    for (let read = 0; read < total;) {
      const batch = await reader.poll(5000, 1000);
      for (const m of batch) seen.add((await serde.fromMessage(m)).value.id);
      read += batch.length;
    }
    await reader.close();
    const missing = Array.from({ length: RECORDS }, (_, i) => `ITEM-${i}`).filter((id) => !seen.has(id));
    expect(missing.slice(0, 10), `${missing.length} inputs without an output`).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(RECORDS);
    expect(logs.some((l) => l.includes('pass: writes since the last commit were lost') && l.includes('reading again from the last commit')), logs.join('\n')).toBe(true);

    const committed = (await transport.admin().committedOffsets('lost.pass', input.name)).reduce((n, o) => n + o.offset, 0);
    expect(committed, 'the pass group ends with zero lag').toBe(RECORDS);
  }, 120_000);

  it('dead-letters an output larger than its topic takes, record by record, and goes on', async () => {
    // The producer answers before the broker sees a message: a refusal reported at the checkpoint
    // could not be tied to its record and would stop the node. The node checks the size first.
    const input = topic('big.in', { value: Item, partitions: 3 });
    const output = topic('big.out', { value: Item, partitions: 3, maxMessageBytes: 2_000 });
    const t = topology('big')
      .node('feed', (n) => n.source(items(500)).to(input))
      .node('pass', (n) => n.from(input).pipe(map((r: Rec<string, Item>) => r.withValue({ id: r.value.id.endsWith('7') ? r.value.id.padEnd(5_000, '!') : r.value.id }))).to(output));
    const deadLettered: string[] = [];
    const runner = new TopologyRunner(t, { transport, registry, log: () => undefined, node: { commitIntervalMs: 200 } });
    runner.emitter.on('node.record_dead_lettered', (e) => void deadLettered.push(`${e.payload.key}:${e.payload.code}`));
    await runner.start();
    await runner.runUntilDrained();
    const pass = runner.stats().find((s) => s.node === 'pass');
    await runner.stop('done');

    expect(pass?.state, 'the node went on').not.toBe('failed');
    expect(deadLettered.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `item-${i * 10 + 7}:MESSAGE_TOO_LARGE`).sort());
    const end = (await transport.admin().endOffsets(output.name)).reduce((n, o) => n + o.offset, 0);
    expect(end).toBe(450);
    const committed = (await transport.admin().committedOffsets('big.pass', input.name)).reduce((n, o) => n + o.offset, 0);
    expect(committed).toBe(500);
  }, 120_000);
});
